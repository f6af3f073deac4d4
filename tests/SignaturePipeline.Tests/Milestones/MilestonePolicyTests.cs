using Azure;
using SignaturePipeline.Milestones;
using SignaturePipeline.Petitions;

namespace SignaturePipeline.Tests.Milestones;

public sealed class MilestonePolicyTests
{
    internal static Petition Petition(int goal = 100, params int[] milestones) => new()
    {
        Id = "p",
        Title = "A petition",
        Letter = "Dear Governor",
        Targets = [],
        Organizers = ["organizer@example.org"],
        Goal = goal,
        Milestones = milestones,
        Status = PetitionStatus.Open,
        AllowedOrigins = [],
    };

    private static MilestoneRecord Record(int threshold, MilestoneState state = MilestoneState.Pending) =>
        new("p", threshold, state, threshold, DateTimeOffset.UnixEpoch, null, null, 0, 0, null, null, null, new ETag("*"));

    [Fact]
    public void The_default_ladder_steps_one_two_and_a_half_five_from_a_hundred_past_a_million()
    {
        Assert.Equal(
            [100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000],
            MilestonePolicy.DefaultLadder.Take(14));
        Assert.True(MilestonePolicy.DefaultLadder.Zip(MilestonePolicy.DefaultLadder.Skip(1)).All(p => p.First < p.Second));
        Assert.Equal(1_000_000_000, MilestonePolicy.DefaultLadder[^1]);
    }

    [Fact]
    public void A_petition_without_milestones_uses_the_ladder_and_its_goal_is_always_one_of_them()
    {
        var thresholds = MilestonePolicy.ThresholdsOf(Petition(goal: 1_234));
        Assert.Equal([100, 250, 500, 1_000, 1_234, 2_500], thresholds.Take(6));
    }

    [Fact]
    public void A_petition_with_its_own_milestones_uses_them_instead_of_the_ladder()
    {
        Assert.Equal([10, 20, 50], MilestonePolicy.ThresholdsOf(Petition(50, 20, 10)));
        Assert.Equal([10, 20], MilestonePolicy.ThresholdsOf(Petition(20, 20, 10)));
    }

    [Fact]
    public void A_count_exactly_at_a_threshold_has_crossed_it()
    {
        Assert.Equal([100, 250], MilestonePolicy.Crossed([100, 250, 500], 250));
        Assert.Empty(MilestonePolicy.Crossed([100, 250, 500], 99));
    }

    [Fact]
    public void Crossing_two_thresholds_at_once_emails_only_the_highest()
    {
        var decision = MilestonePolicy.Decide([Record(100), Record(250)]);
        Assert.Equal(250, decision.Email?.Threshold);
        Assert.Empty(decision.CoverNow);
    }

    [Fact]
    public void A_pending_milestone_below_one_already_sent_is_covered_and_never_emailed()
    {
        var decision = MilestonePolicy.Decide([Record(100), Record(250, MilestoneState.Sent), Record(500)]);
        Assert.Equal(500, decision.Email?.Threshold);
        Assert.Equal([100], decision.CoverNow.Select(r => r.Threshold));
        Assert.Equal(250, decision.HighestSent);
    }

    [Fact]
    public void Nothing_is_emailed_when_every_recorded_milestone_is_sent_or_covered()
    {
        var decision = MilestonePolicy.Decide([Record(100, MilestoneState.Covered), Record(250, MilestoneState.Sent)]);
        Assert.Null(decision.Email);
        Assert.Empty(decision.CoverNow);
    }

    [Fact]
    public void Milestone_row_keys_sort_in_threshold_order()
    {
        Assert.Equal("m_0000000100", MilestoneStore.RowKeyOf(100));
        Assert.True(string.CompareOrdinal(MilestoneStore.RowKeyOf(999), MilestoneStore.RowKeyOf(1_000)) < 0);
        Assert.Equal("snap_2026112304", MilestoneStore.SnapshotRowKeyOf(new DateTimeOffset(2026, 11, 23, 4, 59, 0, TimeSpan.Zero)));
    }
}
