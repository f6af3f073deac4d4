using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SignaturePipeline.Petitions;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;
using SignaturePipeline.Storage;

namespace SignaturePipeline.Webhooks;

/// <summary>What one dispatch run queued, for the host's log and for tests.</summary>
public sealed record WebhookDispatchSummary(int Messages, int Events);

/// <summary>
/// Turns what the store recorded into webhook queue messages; never on the counting path.
/// <list type="bullet">
/// <item><c>signature.counted</c> and <c>signature.removed</c> are derived from rows the signature transactions already
/// wrote: the delivery index rows (one per transaction, listing its counted signers) and the removal rows. Each webhook
/// keeps a cursor per shard and reads the RowKey range from it to now minus <see cref="WebhookOptions.SafetyMarginSeconds"/>,
/// queues one message per index row, then moves the cursor under its ETag. A crash between the two queues the window again
/// with the same delivery ids: at least once, never lost, and counting gains not one operation.</item>
/// <item>Events recorded by the code that caused them (<see cref="WebhookEventLog"/>) are queued, then marked queued.</item>
/// </list>
/// Delivery ids are keyed hashes of webhook and event, so the same event always has the same id.
/// </summary>
public sealed class WebhookDispatcher(
    PetitionStore petitions,
    SignatureStore signatures,
    WebhookStore store,
    QueueServiceClient queues,
    Hmac hmac,
    IOptions<WebhookOptions> options,
    TimeProvider clock,
    ILogger<WebhookDispatcher> logger)
{
    /// <summary>Most events in one POST of a batching webhook.</summary>
    public const int MaxBatch = 100;

    private readonly QueueClient _queue = queues.GetQueueClient(QueueNames.Webhooks);

    /// <summary>The id a signature has in every event about it: a keyed hash of its row, revealing nothing about the signer.</summary>
    public string SignatureIdOf(string petitionId, string signatureRowKey) =>
        "sig_" + hmac.RecordHash("webhook-signature", petitionId + "\n" + signatureRowKey, 12);

    /// <summary>The delivery id of one event for one webhook: the same on every retry and every re-derivation.</summary>
    public string DeliveryIdOf(string webhookId, string kind, string key) =>
        hmac.RecordHash("webhook-delivery", webhookId + "\n" + kind + "\n" + key, 16);

    public async Task<WebhookDispatchSummary> RunAsync(CancellationToken ct)
    {
        var summary = new WebhookDispatchSummary(0, 0);
        foreach (var petition in await petitions.ListAsync(ct).ConfigureAwait(false))
            if (petition.Webhooks.Count > 0)
                summary = Add(summary, await DispatchAsync(petition, ct).ConfigureAwait(false));
        if (summary.Messages > 0) logger.LogInformation("Queued {Events} webhook events in {Messages} messages", summary.Events, summary.Messages);
        return summary;
    }

    /// <summary>Queues one petition's new events for each of its webhooks.</summary>
    public async Task<WebhookDispatchSummary> DispatchAsync(Petition petition, CancellationToken ct)
    {
        var summary = await DispatchRecordedEventsAsync(petition, ct).ConfigureAwait(false);
        var until = (clock.GetUtcNow() - TimeSpan.FromSeconds(options.Value.SafetyMarginSeconds)).UtcTicks;
        foreach (var webhook in petition.Webhooks)
        {
            var counted = webhook.Wants(WebhookEvents.SignatureCounted);
            var removed = webhook.Wants(WebhookEvents.SignatureRemoved);
            if (!counted && !removed) continue;
            for (var shard = 0; shard < signatures.ShardCount; shard++)
            {
                var cursor = await store.GetCursorAsync(petition.Id, webhook.Id, shard, ct).ConfigureAwait(false);
                var from = cursor?.Ticks ?? webhook.Since.UtcTicks;
                if (from >= until) continue;
                if (counted) summary = Add(summary, await QueueCountedAsync(petition, webhook, shard, from, until, ct).ConfigureAwait(false));
                if (removed) summary = Add(summary, await QueueRemovedAsync(petition, webhook, shard, from, until, ct).ConfigureAwait(false));
                await store.MoveCursorAsync(petition.Id, webhook.Id, shard, cursor, until, ct).ConfigureAwait(false);
            }
        }
        return summary;
    }

    private async Task<WebhookDispatchSummary> QueueCountedAsync(Petition petition, Webhook webhook, int shard, long from, long until, CancellationToken ct)
    {
        var summary = new WebhookDispatchSummary(0, 0);
        await foreach (var page in signatures.ReadIndexRowsAsync(petition.Id, shard, from, until, 100, ct).ConfigureAwait(false))
            foreach (var (indexKey, refs, count) in page)
            {
                var events = new List<QueuedWebhookEvent>(count);
                for (var i = 0; i < count; i++)
                {
                    // Rows written before row keys were kept in the index: the signer's place stands in for the row key.
                    var rowKey = i < refs.Count ? refs[i].RowKey : null;
                    events.Add(new QueuedWebhookEvent(DeliveryIdOf(webhook.Id, WebhookEvents.SignatureCounted, indexKey + "\n" + (rowKey ?? i.ToString(System.Globalization.CultureInfo.InvariantCulture))),
                        WebhookEvents.SignatureCounted, IndexTime(indexKey))
                    {
                        Shard = shard,
                        IndexRow = indexKey,
                        RowKey = rowKey,
                        Position = rowKey is null ? i : null,
                    });
                }
                if (events.Count == 0) continue;
                // One message per index row (at most 98 signers, within a batch's 100): a POST per event, or one per message when batching.
                await EnqueueAsync(new WebhookMessage(petition.Id, webhook.Id, events)
                {
                    BatchId = webhook.Batch ? DeliveryIdOf(webhook.Id, "batch", indexKey) : null,
                }, ct).ConfigureAwait(false);
                summary = Add(summary, new(1, events.Count));
            }
        return summary;
    }

    private async Task<WebhookDispatchSummary> QueueRemovedAsync(Petition petition, Webhook webhook, int shard, long from, long until, CancellationToken ct)
    {
        var events = new List<QueuedWebhookEvent>();
        await foreach (var removal in signatures.ReadRemovalsAsync(petition.Id, shard, from, until, ct).ConfigureAwait(false))
            events.Add(new QueuedWebhookEvent(DeliveryIdOf(webhook.Id, WebhookEvents.SignatureRemoved, removal.RowKey), WebhookEvents.SignatureRemoved, removal.RemovedAt)
            {
                Data = new JsonObject { ["signatureId"] = SignatureIdOf(petition.Id, removal.SignatureRowKey) },
            });
        foreach (var chunk in events.Chunk(MaxBatch))
            await EnqueueAsync(new WebhookMessage(petition.Id, webhook.Id, chunk), ct).ConfigureAwait(false);
        return new((events.Count + MaxBatch - 1) / MaxBatch, events.Count);
    }

    /// <summary>Queues the events recorded through <see cref="WebhookEventLog"/> that are not queued yet.</summary>
    public async Task<WebhookDispatchSummary> DispatchRecordedEventsAsync(Petition petition, CancellationToken ct)
    {
        var summary = new WebhookDispatchSummary(0, 0);
        await foreach (var recorded in store.ListUnqueuedEventsAsync(petition.Id, ct).ConfigureAwait(false))
        {
            foreach (var webhook in petition.Webhooks.Where(w => w.Wants(recorded.Kind)))
            {
                await EnqueueAsync(new WebhookMessage(petition.Id, webhook.Id,
                    [new QueuedWebhookEvent(DeliveryIdOf(webhook.Id, recorded.Kind, recorded.Key), recorded.Kind, recorded.OccurredAt) { Data = recorded.Data }]), ct).ConfigureAwait(false);
                summary = Add(summary, new(1, 1));
            }
            await store.MarkQueuedAsync(petition.Id, recorded, ct).ConfigureAwait(false);
        }
        return summary;
    }

    public Task EnqueueAsync(WebhookMessage message, CancellationToken ct, TimeSpan? delay = null) =>
        _queue.SendMessageAsync(message.Serialize(), visibilityTimeout: delay, cancellationToken: ct);

    private static DateTimeOffset IndexTime(string indexKey) =>
        new(long.Parse(indexKey.AsSpan(SignatureStore.IndexRowPrefix.Length, 19), System.Globalization.CultureInfo.InvariantCulture), TimeSpan.Zero);

    private static WebhookDispatchSummary Add(WebhookDispatchSummary a, WebhookDispatchSummary b) => new(a.Messages + b.Messages, a.Events + b.Events);
}
