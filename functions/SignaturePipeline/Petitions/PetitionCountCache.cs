using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Petitions;

/// <summary>
/// Public counts as of at most <see cref="PipelineOptions.CountCacheMilliseconds"/> ago, with one storage read per petition
/// per period however many readers ask, and one read in flight at a time: a widget on a busy page asks thousands of times a
/// second, and each uncached ask is a point read per shard on the very partitions the processor commits to (Azure serves
/// about 2,000 entities/s per partition). Decisions that need the exact count (milestones, recounts) read
/// <see cref="SignatureStore.GetCountsAsync"/> themselves. Callers ask only for petitions that exist, so the entries are
/// bounded by the number of petitions.
/// </summary>
public sealed class PetitionCountCache(SignatureStore signatures, IOptions<PipelineOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeSpan _ttl = TimeSpan.FromMilliseconds(options.Value.CountCacheMilliseconds);

    // Lazy: a caller that loses the race to replace an entry must not start a read of its own.
    private sealed record Entry(Lazy<Task<PetitionCounts>> Counts, DateTimeOffset Expires)
    {
        public bool Serves(DateTimeOffset now)
        {
            var read = Counts.Value;
            return !read.IsCompleted || (read.IsCompletedSuccessfully && Expires > now);
        }
    }

    public Task<PetitionCounts> GetAsync(string petitionId, CancellationToken ct)
    {
        if (_ttl <= TimeSpan.Zero) return signatures.GetCountsAsync(petitionId, ct);
        while (true)
        {
            var now = clock.GetUtcNow();
            var found = _entries.TryGetValue(petitionId, out var entry);
            if (found && entry!.Serves(now)) return entry.Counts.Value.WaitAsync(ct);
            // The shared read is not cancelled with the caller that started it: the others are waiting on it too.
            var next = new Entry(new Lazy<Task<PetitionCounts>>(() => signatures.GetCountsAsync(petitionId, CancellationToken.None)), now + _ttl);
            if (found ? _entries.TryUpdate(petitionId, next, entry!) : _entries.TryAdd(petitionId, next))
                return next.Counts.Value.WaitAsync(ct);
        }
    }
}
