using SignaturePipeline.Petitions;

namespace SignaturePipeline.Tests.Petitions;

public sealed class PetitionDefinitionTests
{
    private static PetitionDefinition Valid() => new()
    {
        Title = "Stop S-Comm in New York",
        Letter = "Dear Governor,\nPlease act.",
        Targets = [new("governor", "Gov. Cuomo", "gov@example.org", "ny")],
        Organizers = ["Organizer@Example.org"],
        Goal = 6364,
        Milestones = [500, 100, 100],
        Status = "open",
        AllowedOrigins = ["https://www.example.org"],
        ThankYouUrl = "https://www.example.org/thanks",
    };

    [Fact]
    public void A_valid_definition_becomes_a_petition()
    {
        var errors = Valid().Validate("stop-s-comm", DateTimeOffset.UnixEpoch, null, out var petition);
        Assert.Empty(errors);
        Assert.Equal("NY", petition!.Targets[0].State);
        Assert.Equal("governor-ny", petition.Targets[0].Id);
        Assert.Equal([100, 500], petition.Milestones);
        Assert.Equal(["organizer@example.org"], petition.Organizers);
    }

    [Theory]
    [InlineData("Bad_Id")]
    [InlineData("-leading")]
    [InlineData("has/slash")]
    [InlineData("")]
    public void Ids_that_cannot_be_table_keys_are_refused(string id) =>
        Assert.Contains(Valid().Validate(id, DateTimeOffset.UnixEpoch, null, out _), e => e.Code == "id_invalid");

    [Fact]
    public void A_governor_target_needs_a_state() =>
        Assert.Contains((Valid() with { Targets = [new("governor", "Gov", "g@example.org", null)] })
            .Validate("p", DateTimeOffset.UnixEpoch, null, out _), e => e.Code == "target_state_required");

    [Fact]
    public void An_origin_with_a_path_is_refused() =>
        Assert.Contains((Valid() with { AllowedOrigins = ["https://www.example.org/page"] })
            .Validate("p", DateTimeOffset.UnixEpoch, null, out _), e => e.Code == "origin_invalid");

    [Theory]
    [InlineData("paused")]
    [InlineData("3")]
    public void An_unknown_status_is_refused(string status) =>
        Assert.Contains((Valid() with { Status = status }).Validate("p", DateTimeOffset.UnixEpoch, null, out _), e => e.Code == "status_invalid");

    [Fact]
    public void A_missing_goal_title_letter_and_organizer_are_each_named()
    {
        var codes = new PetitionDefinition { Targets = [new("president", "President", "p@example.org", null)] }
            .Validate("p", DateTimeOffset.UnixEpoch, null, out _).Select(e => e.Code).ToList();
        Assert.Equal(["title_required", "letter_required", "organizers_required", "goal_invalid"], codes);
    }
}
