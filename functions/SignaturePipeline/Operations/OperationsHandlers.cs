using Azure;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using SignaturePipeline.Petitions;
using SignaturePipeline.Signatures;
using SignaturePipeline.Storage;
using SignaturePipeline.Timers;

namespace SignaturePipeline.Operations;

public sealed record QueueHealth(string Name, int ApproximateMessages, double? OldestMessageAgeSeconds);

public sealed record CounterDrift(string PetitionId, long Counted, long Recounted, IReadOnlyDictionary<string, long> StateDifferences);

public sealed record HealthReport(
    DateTimeOffset At,
    IReadOnlyList<QueueHealth> Queues,
    int PoisonMessages,
    IReadOnlyDictionary<string, DateTimeOffset> LastTimerRuns,
    IReadOnlyList<CounterDrift>? Drift);

public sealed record RedriveResult(int Moved);

public sealed record RepairResult(string PetitionId, long Before, long After, IReadOnlyList<string> ShardsRepaired);

/// <summary>
/// What an operator needs after an incident: queue depths and poison counts, the last timer runs, counter drift,
/// re-driving poison messages after a fix, and recounting a petition to repair its counters.
/// </summary>
public sealed class OperationsHandlers(
    QueueServiceClient queues,
    TimerRunLog timerRuns,
    PetitionStore petitions,
    SignatureStore signatures,
    TimeProvider clock,
    ILogger<OperationsHandlers> logger)
{
    public async Task<HealthReport> GetHealthAsync(bool recount, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var queueHealth = new List<QueueHealth>();
        foreach (var name in QueueNames.All)
        {
            var queue = queues.GetQueueClient(name);
            var properties = await queue.GetPropertiesAsync(ct).ConfigureAwait(false);
            var peeked = await queue.PeekMessageAsync(ct).ConfigureAwait(false);
            var age = peeked.Value?.InsertedOn is { } inserted ? (now - inserted).TotalSeconds : (double?)null;
            queueHealth.Add(new QueueHealth(name, properties.Value.ApproximateMessagesCount, age));
        }

        var runs = await timerRuns.ListAsync(ct).ConfigureAwait(false);

        List<CounterDrift>? drift = null;
        if (recount)
        {
            drift = [];
            foreach (var petition in await petitions.ListAsync(ct).ConfigureAwait(false))
            {
                var counted = await signatures.GetCountsAsync(petition.Id, ct).ConfigureAwait(false);
                var recounted = await signatures.RecountAsync(petition.Id, ct).ConfigureAwait(false);
                var differences = counted.ByState.Keys.Union(recounted.ByState.Keys)
                    .Select(s => (State: s, Diff: counted.ByState.GetValueOrDefault(s) - recounted.ByState.GetValueOrDefault(s)))
                    .Where(d => d.Diff != 0)
                    .ToDictionary(d => d.State, d => d.Diff);
                if (counted.Total != recounted.Total || differences.Count > 0)
                    drift.Add(new CounterDrift(petition.Id, counted.Total, recounted.Total, differences));
            }
        }
        var poison = queueHealth.First(q => q.Name == QueueNames.SignaturesPoison).ApproximateMessages;
        return new HealthReport(now, queueHealth, poison, runs, drift);
    }

    /// <summary>
    /// Moves poison messages back to their queue, after the cause was fixed. Each is sent before it is deleted,
    /// so a crash in between leaves a copy in both queues, and processing is idempotent, so that is harmless.
    /// </summary>
    public async Task<RedriveResult> RedrivePoisonAsync(int max, CancellationToken ct)
    {
        var source = queues.GetQueueClient(QueueNames.SignaturesPoison);
        var target = queues.GetQueueClient(QueueNames.Signatures);
        var moved = 0;
        while (moved < max)
        {
            var batch = (await source.ReceiveMessagesAsync(Math.Min(32, max - moved), TimeSpan.FromMinutes(1), ct).ConfigureAwait(false)).Value;
            if (batch.Length == 0) break;
            foreach (var message in batch)
            {
                await target.SendMessageAsync(message.Body, cancellationToken: ct).ConfigureAwait(false);
                await source.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct).ConfigureAwait(false);
                moved++;
            }
        }
        logger.LogInformation("Re-drove {Count} poison messages", moved);
        return new RedriveResult(moved);
    }

    /// <summary>
    /// Recounts each shard from its rows and rewrites any counter that disagrees, guarded by the counter's ETag
    /// (read before the recount), so a signature counted meanwhile makes the repair start that shard again.
    /// </summary>
    public async Task<RepairResult?> RecountAndRepairAsync(string petitionId, CancellationToken ct)
    {
        if (await petitions.ReadAsync(petitionId, ct).ConfigureAwait(false) is null) return null;
        var before = (await signatures.GetCountsAsync(petitionId, ct).ConfigureAwait(false)).Total;
        var repaired = new List<string>();
        for (var shard = 0; shard < signatures.ShardCount; shard++)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    if (await signatures.RepairShardAsync(petitionId, shard, ct).ConfigureAwait(false))
                        repaired.Add(SignatureStore.PartitionKeyOf(petitionId, shard));
                    break;
                }
                catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < 10)
                {
                    // Someone counted a signature during the recount: recount this shard again.
                }
            }
        }
        var after = (await signatures.GetCountsAsync(petitionId, ct).ConfigureAwait(false)).Total;
        logger.LogWarning("Recounted {PetitionId}: {Before} -> {After}, {Shards} shards repaired", petitionId, before, after, repaired.Count);
        return new RepairResult(petitionId, before, after, repaired);
    }
}
