using SignaturePipeline.Petitions;

namespace SignaturePipeline.Tests.Petitions;

public sealed class NextMilestoneTests
{
    [Theory]
    [InlineData(0, 100_000, 100)]
    [InlineData(99, 100_000, 100)]
    [InlineData(100, 100_000, 250)]
    [InlineData(5_212, 6_364, 6_364)]
    [InlineData(6_364, 6_364, 10_000)]
    [InlineData(7_000, 6_364, 10_000)]
    [InlineData(999_999, 5_000_000, 1_000_000)]
    [InlineData(1_000_000, 5_000_000, 2_500_000)]
    [InlineData(10, 50, 50)]
    public void The_bar_counts_toward_the_nearest_ladder_step_or_the_goal(long count, long goal, long expected) =>
        Assert.Equal(expected, NextMilestone.For(count, goal));
}
