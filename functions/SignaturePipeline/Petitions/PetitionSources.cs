using SignaturePipeline.Signatures;

namespace SignaturePipeline.Petitions;

/// <summary>
/// Where a petition's counted signatures came from, for its organizers: exact counts by <c>source</c>, by utm value and
/// by referrer (how many counted signatures each sharing signer's links brought), and the referrers who brought most.
/// </summary>
public sealed record PetitionSources(
    string PetitionId,
    IReadOnlyDictionary<string, long> BySource,
    UtmCounts ByUtm,
    IReadOnlyDictionary<string, long> ByReferrer,
    IReadOnlyList<ReferrerCount> TopReferrers);

public sealed record UtmCounts(IReadOnlyDictionary<string, long> Source, IReadOnlyDictionary<string, long> Medium, IReadOnlyDictionary<string, long> Campaign);

public sealed record ReferrerCount(string Referrer, long Count);

/// <summary>Reads a petition's counts by source: a point read and a range query per shard, never a scan of signatures.</summary>
public sealed class PetitionSourcesHandler(PetitionStore petitions, SignatureStore signatures)
{
    public const int TopReferrerCount = 10;

    /// <summary>Null for an unknown petition.</summary>
    public async Task<PetitionSources?> GetAsync(string petitionId, CancellationToken ct)
    {
        if (!PetitionIds.IsValid(petitionId) || await petitions.ReadAsync(petitionId, ct).ConfigureAwait(false) is null) return null;
        var counts = await signatures.GetSourceCountsAsync(petitionId, ct).ConfigureAwait(false);
        return new PetitionSources(petitionId, counts.BySource,
            new UtmCounts(counts.ByUtmSource, counts.ByUtmMedium, counts.ByUtmCampaign),
            counts.ByReferrer,
            counts.TopReferrers(TopReferrerCount).Select(kv => new ReferrerCount(kv.Key, kv.Value)).ToList());
    }
}
