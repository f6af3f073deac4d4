using System.Text.Json.Serialization;

namespace SignaturePipeline.Petitions;

[JsonConverter(typeof(JsonStringEnumConverter<PetitionStatus>))]
public enum PetitionStatus { Open, Closed, Won }

[JsonConverter(typeof(JsonStringEnumConverter<TargetKind>))]
public enum TargetKind { Governor, President, Custom }

/// <summary>What a target's deliveries name: every signer but those who asked not to be named (the default), or nobody.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TargetNames>))]
public enum TargetNames { All, None }

/// <summary>
/// Who a petition is addressed to. A governor receives only signers from <see cref="State"/>;
/// the President receives everyone; a custom target receives everyone, or one state when <see cref="State"/> is set.
/// </summary>
public sealed record PetitionTarget(TargetKind Kind, string Name, string Email, string? State)
{
    /// <summary>A stable id for keys and blob paths: "governor-ny", "president", "custom-dhs-secretary".</summary>
    public string Id => Kind switch
    {
        TargetKind.Governor => $"governor-{State!.ToLowerInvariant()}",
        TargetKind.President => "president",
        _ => "custom-" + PetitionIds.Slugify(Name) + (State is null ? "" : "-" + State.ToLowerInvariant()),
    };

    /// <summary>
    /// <see cref="TargetNames.None"/>: the target receives the letter and the totals (by state, by ZIP area), never a list
    /// of signers. Not part of <see cref="Id"/>: changing it does not make a new target.
    /// </summary>
    public TargetNames Names { get; init; }
}

public sealed record Petition
{
    public required string Id { get; init; }
    public required string Title { get; init; }
    public required string Letter { get; init; }
    public required IReadOnlyList<PetitionTarget> Targets { get; init; }
    public required IReadOnlyList<string> Organizers { get; init; }
    public required int Goal { get; init; }
    public required IReadOnlyList<int> Milestones { get; init; }
    public required PetitionStatus Status { get; init; }
    public required IReadOnlyList<string> AllowedOrigins { get; init; }
    public string? ThankYouUrl { get; init; }

    /// <summary>
    /// A signature counts only once its signer clicks the link in the confirmation email. False for petitions stored
    /// before confirmation existed (they counted at once and keep doing so); <see cref="PetitionDefinition"/> makes it true for new ones.
    /// </summary>
    public bool RequireConfirmation { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>
    /// When the petition's status last changed from open to closed or won; null while open. Retention counts from it,
    /// so editing a closed petition's text never postpones its signers' anonymisation.
    /// </summary>
    public DateTimeOffset? ClosedAt { get; init; }

    /// <summary>Where signatures and events flow out to (secrets sealed, never serialized).</summary>
    public IReadOnlyList<Webhook> Webhooks { get; init; } = [];

    public bool IsOpen => Status == PetitionStatus.Open;

    /// <summary>An origin is allowed when listed exactly, or when the list holds "*".</summary>
    public bool AllowsOrigin(string origin) =>
        AllowedOrigins.Any(o => o == "*" || string.Equals(o, origin, StringComparison.OrdinalIgnoreCase));
}
