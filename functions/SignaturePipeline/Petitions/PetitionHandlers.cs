using SignaturePipeline.Signatures;

namespace SignaturePipeline.Petitions;

/// <summary>A petition as the public sees it: no organizer or target email addresses.</summary>
public sealed record PublicPetition(
    string Id,
    string Title,
    string Letter,
    IReadOnlyList<PublicTarget> Targets,
    string Status,
    int Goal,
    long SignatureCount,
    IReadOnlyDictionary<string, long> CountsByState)
{
    public static PublicPetition From(Petition p, PetitionCounts counts) => new(
        p.Id, p.Title, p.Letter,
        p.Targets.Select(t => new PublicTarget(t.Kind.ToString().ToLowerInvariant(), t.Name, t.State)).ToList(),
        p.Status.ToString().ToLowerInvariant(), p.Goal, counts.Total, counts.ByState);
}

public sealed record PublicTarget(string Kind, string Name, string? State);

public abstract record SavePetitionResult
{
    private SavePetitionResult() { }
    public sealed record Saved(Petition Petition, bool Created) : SavePetitionResult;
    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : SavePetitionResult;
}

/// <summary>
/// Reading and defining petitions. Every read is O(1): the cached definition plus the cached counts (one counter per shard,
/// read at most once a period per petition, see <see cref="PetitionCountCache"/>).
/// </summary>
public sealed class PetitionHandlers(PetitionStore petitions, PetitionCountCache counts, WebhookRules webhookRules, TimeProvider clock)
{
    public async Task<PublicPetition?> GetAsync(string id, CancellationToken ct)
    {
        var petition = await petitions.GetAsync(id, ct).ConfigureAwait(false);
        if (petition is null) return null;
        return PublicPetition.From(petition, await counts.GetAsync(id, ct).ConfigureAwait(false));
    }

    public async Task<IReadOnlyList<PublicPetition>> ListOpenAsync(CancellationToken ct)
    {
        var open = (await petitions.ListAsync(ct).ConfigureAwait(false)).Where(p => p.IsOpen).ToList();
        var counted = await Task.WhenAll(open.Select(p => counts.GetAsync(p.Id, ct))).ConfigureAwait(false);
        return open.Zip(counted, PublicPetition.From).ToList();
    }

    public async Task<SavePetitionResult> SaveAsync(string id, PetitionDefinition definition, CancellationToken ct)
    {
        var existing = PetitionIds.IsValid(id) ? await petitions.ReadAsync(id, ct).ConfigureAwait(false) : null;
        var errors = definition.Validate(id, clock.GetUtcNow(), existing, out var petition, webhookRules);
        if (errors.Count > 0) return new SavePetitionResult.Invalid(errors);
        var created = await petitions.UpsertAsync(petition!, ct).ConfigureAwait(false);
        return new SavePetitionResult.Saved(petition!, created);
    }
}
