using System.Collections.Concurrent;
using Azure.Data.Tables;

namespace SignaturePipeline.Signatures;

/// <summary>The exact count of a petition: the sum of its shard counters.</summary>
public sealed record PetitionCounts(long Total, IReadOnlyDictionary<string, long> ByState)
{
    public static readonly PetitionCounts Zero = new(0, new Dictionary<string, long>());
}

/// <summary>
/// RowKey <c>counter</c>: a shard's total and per-state counts (<c>Total</c>, <c>S_NY</c>, …), moved only in the same
/// transaction as the rows it counts. Only counted rows are in it. Here: reading it, summing it, and proving it
/// against the rows.
/// </summary>
public sealed partial class SignatureStore
{
    public const string CounterRowKey = "counter";
    public const string TotalProperty = "Total";
    public const string StatePropertyPrefix = "S_";

    // The last counter each shard was seen with. One processor usually owns a shard's writes, so the cached
    // ETag is usually current and a transaction needs no read first; a stale one costs one 412 and a re-read.
    private readonly ConcurrentDictionary<string, TableEntity> _counters = new(StringComparer.Ordinal);

    private async Task<TableEntity> GetCounterAsync(string partitionKey, CancellationToken ct)
    {
        if (_counters.TryGetValue(partitionKey, out var cached)) return cached;
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(partitionKey, CounterRowKey, cancellationToken: ct).ConfigureAwait(false);
        var counter = response.HasValue ? response.Value! : new TableEntity(partitionKey, CounterRowKey) { [TotalProperty] = 0L };
        // A counter that does not exist yet is not cached: its first Add would otherwise race a stale "absent".
        if (response.HasValue) _counters.TryAdd(partitionKey, counter);
        return counter;
    }

    private static TableEntity Increment(TableEntity counter, List<Pending> chunk)
    {
        var updated = new TableEntity(counter.PartitionKey, counter.RowKey) { [TotalProperty] = (counter.GetInt64(TotalProperty) ?? 0) + chunk.Count };
        foreach (var group in chunk.GroupBy(p => p.Signature.State))
        {
            var property = StatePropertyPrefix + group.Key;
            updated[property] = (counter.GetInt64(property) ?? 0) + group.Count();
        }
        // Keep the other states' values in the cached copy; Merge leaves them untouched in the store.
        foreach (var (key, value) in counter)
            if (key.StartsWith(StatePropertyPrefix, StringComparison.Ordinal) && !updated.ContainsKey(key)) updated[key] = value;
        updated.ETag = counter.ETag;
        return updated;
    }

    /// <summary>
    /// The operation that moves a shard's counter by <paramref name="delta"/> for one row of <paramref name="state"/>, under
    /// the counter's ETag. Read fresh, not from the commit cache: this path is rare, and a stale ETag would only cost a retry.
    /// </summary>
    private async Task<TableTransactionAction> MoveCounterAsync(string partitionKey, string state, int delta, SeriesPoint point, CancellationToken ct)
    {
        var counterRead = await _table.GetEntityIfExistsAsync<TableEntity>(partitionKey, CounterRowKey, cancellationToken: ct).ConfigureAwait(false);
        var property = StatePropertyPrefix + state;
        if (counterRead.HasValue)
        {
            var counter = counterRead.Value!;
            var moved = new TableEntity(partitionKey, CounterRowKey)
            {
                [TotalProperty] = (counter.GetInt64(TotalProperty) ?? 0) + delta,
                [property] = (counter.GetInt64(property) ?? 0) + delta,
            };
            MoveSeries(moved, counter, [point], delta);
            return new TableTransactionAction(TableTransactionActionType.UpdateMerge, moved, counter.ETag);
        }
        if (delta < 0) throw new InvalidOperationException($"Shard {partitionKey} has a counted row but no counter; run the recount.");
        var created = new TableEntity(partitionKey, CounterRowKey) { [TotalProperty] = 1L, [property] = 1L };
        MoveSeries(created, created, [point], 1);
        return new TableTransactionAction(TableTransactionActionType.Add, created);
    }

    /// <summary>
    /// The petition's count as this process last saw each shard: exact for the shards it writes, a few seconds
    /// old for others. Used for supporter numbers, where a read per shard per batch would cost more than the batch.
    /// </summary>
    public async Task<long> ObservedTotalAsync(string petitionId, CancellationToken ct)
    {
        long total = 0;
        for (var shard = 0; shard < _shards; shard++)
            total += (await GetCounterAsync(PartitionKeyOf(petitionId, shard), ct).ConfigureAwait(false)).GetInt64(TotalProperty) ?? 0;
        return total;
    }

    /// <summary>The petition's exact count: one point read per shard, whatever the number of signatures.</summary>
    public async Task<PetitionCounts> GetCountsAsync(string petitionId, CancellationToken ct)
    {
        var reads = Enumerable.Range(0, _shards)
            .Select(shard => _table.GetEntityIfExistsAsync<TableEntity>(PartitionKeyOf(petitionId, shard), CounterRowKey, cancellationToken: ct))
            .ToArray();
        var results = await Task.WhenAll(reads).ConfigureAwait(false);
        long total = 0;
        var byState = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var result in results)
        {
            if (!result.HasValue) continue;
            var counter = result.Value!;
            total += counter.GetInt64(TotalProperty) ?? 0;
            foreach (var (key, value) in counter)
                if (key.StartsWith(StatePropertyPrefix, StringComparison.Ordinal) && value is long n && n != 0)
                    byState[key[StatePropertyPrefix.Length..]] = byState.GetValueOrDefault(key[StatePropertyPrefix.Length..]) + n;
        }
        return new PetitionCounts(total, byState);
    }

    /// <summary>
    /// Rewrites one shard's counter from its rows when they disagree. Guarded by the ETag the counter had before
    /// the recount: a commit in between fails this with 412, and the caller recounts again.
    /// </summary>
    public async Task<bool> RepairShardAsync(string petitionId, int shard, CancellationToken ct) =>
        await RepairSourcesAsync(PartitionKeyOf(petitionId, shard), ct).ConfigureAwait(false) | await RepairCounterAsync(petitionId, shard, ct).ConfigureAwait(false);

    private async Task<bool> RepairCounterAsync(string petitionId, int shard, CancellationToken ct)
    {
        var pk = PartitionKeyOf(petitionId, shard);
        var current = await _table.GetEntityIfExistsAsync<TableEntity>(pk, CounterRowKey, cancellationToken: ct).ConfigureAwait(false);
        var points = new List<SeriesPoint>();
        var (total, rows) = await CountRowsAsync(pk, ct, points).ConfigureAwait(false);
        var byState = rows.ToDictionary(kv => StatePropertyPrefix + kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var counter = new TableEntity(pk, CounterRowKey) { [TotalProperty] = total };
        foreach (var (state, n) in byState) counter[state] = n;
        MoveSeries(counter, new TableEntity(), points, 1);
        if (current.HasValue)
        {
            var old = current.Value!;
            var same = (old.GetInt64(TotalProperty) ?? 0) == total
                && old.Keys.Where(k => k.StartsWith(StatePropertyPrefix, StringComparison.Ordinal)).All(k => (old.GetInt64(k) ?? 0) == byState.GetValueOrDefault(k))
                && byState.All(kv => (old.GetInt64(kv.Key) ?? 0) == kv.Value)
                && SameSeries(old, counter);
            if (same) return false;
            await _table.UpdateEntityAsync(counter, old.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
        }
        else
        {
            if (total == 0) return false;
            await _table.AddEntityAsync(counter, ct).ConfigureAwait(false);
        }
        _counters.TryRemove(pk, out _);
        return true;
    }

    /// <summary>
    /// Recounts from the rows themselves (a partition query per shard). For tests and operators only:
    /// it proves the counters; it is never on a request path.
    /// </summary>
    public async Task<PetitionCounts> RecountAsync(string petitionId, CancellationToken ct)
    {
        long total = 0;
        var byState = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var shard = 0; shard < _shards; shard++)
        {
            var (shardTotal, shardStates) = await CountRowsAsync(PartitionKeyOf(petitionId, shard), ct).ConfigureAwait(false);
            total += shardTotal;
            foreach (var (state, n) in shardStates) byState[state] = byState.GetValueOrDefault(state) + n;
        }
        return new PetitionCounts(total, byState);
    }

    /// <summary>Counts the counted signature rows of one shard, in total and per state: a partition query, selecting two columns.</summary>
    /// <param name="points">When given, receives each counted row's place in the series (<c>SignatureStore.Series.cs</c>).</param>
    private async Task<(long Total, Dictionary<string, long> ByState)> CountRowsAsync(string partitionKey, CancellationToken ct, List<SeriesPoint>? points = null)
    {
        long total = 0;
        var byState = new Dictionary<string, long>(StringComparer.Ordinal);
        string[] columns = points is null ? [SignatureColumns.State, SignatureColumns.Status]
            : [SignatureColumns.State, SignatureColumns.Status, SignatureColumns.IndexRow, SignatureColumns.SignedAt, SignatureColumns.PostalCode];
        await foreach (var row in _table.QueryAsync<TableEntity>(SignatureRowsOf(partitionKey), select: columns, cancellationToken: ct).ConfigureAwait(false))
        {
            if (StatusOf(row) != SignatureRowStatus.Counted) continue;
            total++;
            points?.Add(new SeriesPoint(CountedAtOf(row.GetString(SignatureColumns.IndexRow)) ?? row.GetDateTimeOffset(SignatureColumns.SignedAt) ?? clock.GetUtcNow(),
                row.GetString(SignatureColumns.PostalCode)));
            var state = row.GetString(SignatureColumns.State) ?? "";
            byState[state] = byState.GetValueOrDefault(state) + 1;
        }
        return (total, byState);
    }
}
