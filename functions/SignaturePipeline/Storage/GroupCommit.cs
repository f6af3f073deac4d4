using System.Collections.Concurrent;

namespace SignaturePipeline.Storage;

/// <summary>
/// Group commit for entity-group transactions. Concurrent callers writing to one partition are coalesced: one drain per
/// partition in this process takes what is waiting, in arrival order, as far as one transaction holds it (operations
/// per item; a row key once, since Azure refuses a transaction that names a row twice, so a repeat waits for the next),
/// commits it, and goes on while anything waits. Under load many small transactions become few full ones; a caller
/// alone commits at once.
/// <para>With a <c>linger</c>, a partition that committed within the last few lingers (sustained load) waits that long
/// before taking a chunk that is not full, so writers that arrive a moment apart (messages taken off the queue one
/// after another) share a transaction instead of each paying for one. A partition that was quiet commits at once.</para>
/// </summary>
internal sealed class GroupCommit<TItem, TResult>(
    int maxOperations,
    Func<TItem, int> operationsOf,
    Func<TItem, string> rowKeyOf,
    Func<string, IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> commit,
    TimeSpan linger = default,
    TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    private sealed record Waiter(TItem Item, TaskCompletionSource<TResult> Done);

    private sealed class Partition
    {
        public readonly Lock Gate = new();
        public readonly List<Waiter> Waiting = [];
        public bool Running;
    }

    private readonly ConcurrentDictionary<string, Partition> _partitions = new(StringComparer.Ordinal);

    // When each partition last committed (a TimeProvider timestamp), kept only when lingering: one entry per partition written.
    private readonly ConcurrentDictionary<string, long> _lastCommit = new(StringComparer.Ordinal);

    /// <summary>The results of <paramref name="items"/>, in their order, once the transactions holding them landed.</summary>
    public async Task<TResult[]> SubmitAsync(string partition, IReadOnlyList<TItem> items, CancellationToken ct)
    {
        var waiters = items.Select(i => new Waiter(i, new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously))).ToList();
        while (true)
        {
            var state = _partitions.GetOrAdd(partition, _ => new Partition());
            bool start;
            lock (state.Gate)
            {
                // A drained partition is dropped from the map; one dropped under us takes no more work.
                if (!_partitions.TryGetValue(partition, out var current) || current != state) continue;
                state.Waiting.AddRange(waiters);
                start = !state.Running;
                state.Running = true;
            }
            if (start) _ = Task.Run(() => DrainAsync(partition, state), CancellationToken.None);
            return await Task.WhenAll(waiters.Select(w => w.Done.Task)).WaitAsync(ct).ConfigureAwait(false);
        }
    }

    private bool ShouldLinger(string partition, Partition state)
    {
        if (linger <= TimeSpan.Zero || !_lastCommit.TryGetValue(partition, out var last)
            || _clock.GetElapsedTime(last) > 4 * linger) return false;
        lock (state.Gate) return state.Waiting.Sum(w => operationsOf(w.Item)) < maxOperations;
    }

    private async Task DrainAsync(string partition, Partition state)
    {
        while (true)
        {
            if (ShouldLinger(partition, state)) await Task.Delay(linger, _clock).ConfigureAwait(false);
            var chunk = new List<Waiter>();
            lock (state.Gate)
            {
                var keys = new HashSet<string>(StringComparer.Ordinal);
                var operations = 0;
                foreach (var waiter in state.Waiting)
                {
                    var cost = operationsOf(waiter.Item);
                    if (operations + cost > maxOperations) break;
                    if (!keys.Add(rowKeyOf(waiter.Item))) continue;
                    chunk.Add(waiter);
                    operations += cost;
                }
                foreach (var w in chunk) state.Waiting.Remove(w);
                if (chunk.Count == 0)
                {
                    state.Running = false;
                    _partitions.TryRemove(new KeyValuePair<string, Partition>(partition, state));
                    return;
                }
            }
            try
            {
                var results = await commit(partition, chunk.Select(w => w.Item).ToList()).ConfigureAwait(false);
                if (linger > TimeSpan.Zero) _lastCommit[partition] = _clock.GetTimestamp();
                for (var i = 0; i < chunk.Count; i++) chunk[i].Done.TrySetResult(results[i]);
            }
            catch (Exception e)
            {
                foreach (var w in chunk) w.Done.TrySetException(e);
            }
        }
    }
}
