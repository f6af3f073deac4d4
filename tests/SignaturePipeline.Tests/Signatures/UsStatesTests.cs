using SignaturePipeline.Signatures;

namespace SignaturePipeline.Tests.Signatures;

public sealed class UsStatesTests
{
    [Theory]
    [InlineData("10001", "NY")]
    [InlineData("00501", "NY")]
    [InlineData("90210", "CA")]
    [InlineData("60601", "IL")]
    [InlineData("20500", "DC")]
    [InlineData("73301", "TX")]
    [InlineData("99501", "AK")]
    [InlineData("00901", "PR")]
    [InlineData("96910", "GU")]
    [InlineData("09001", "AE")]
    public void A_zip_belongs_to_its_state(string zip, string state) => Assert.True(UsStates.ZipBelongsToState(zip, state));

    [Theory]
    [InlineData("10001", "NJ")]
    [InlineData("73301", "OK")]
    [InlineData("00000", "NY")]
    public void A_zip_does_not_belong_to_another_state(string zip, string state) => Assert.False(UsStates.ZipBelongsToState(zip, state));

    [Fact]
    public void Every_state_and_DC_is_listed() =>
        Assert.Equal(51, UsStates.Codes.Count(c => c is not ("AS" or "GU" or "MP" or "PR" or "VI" or "FM" or "MH" or "PW" or "AA" or "AE" or "AP")));
}
