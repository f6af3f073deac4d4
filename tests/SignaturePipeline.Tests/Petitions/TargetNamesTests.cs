using SignaturePipeline.Petitions;

namespace SignaturePipeline.Tests.Petitions;

public sealed class TargetNamesTests
{
    private static PetitionDefinition With(string? names) => new()
    {
        Title = "Stop S-Comm in New York",
        Letter = "Dear Governor,\nPlease act.",
        Targets = [new("governor", "Gov. Cuomo", "gov@example.org", "NY", names)],
        Organizers = ["organizer@example.org"],
        Goal = 6364,
        Status = "open",
    };

    [Theory]
    [InlineData(null, TargetNames.All)]
    [InlineData("all", TargetNames.All)]
    [InlineData("none", TargetNames.None)]
    [InlineData("NONE", TargetNames.None)]
    public void A_target_takes_every_name_by_default_or_none_when_asked(string? names, TargetNames expected)
    {
        Assert.Empty(With(names).Validate("p", DateTimeOffset.UnixEpoch, null, out var petition));
        Assert.Equal(expected, petition!.Targets[0].Names);
        // Not part of the target's identity: its deliveries stay the same series.
        Assert.Equal("governor-ny", petition.Targets[0].Id);
    }

    [Theory]
    [InlineData("some")]
    [InlineData("1")]
    [InlineData("")]
    public void Any_other_value_is_a_field_error(string names)
    {
        var error = Assert.Single(With(names).Validate("p", DateTimeOffset.UnixEpoch, null, out _));
        Assert.Equal(("targets[0].names", "target_names_invalid"), (error.Field, error.Code));
    }
}
