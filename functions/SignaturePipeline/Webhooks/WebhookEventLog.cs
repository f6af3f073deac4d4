using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using SignaturePipeline.Petitions;

namespace SignaturePipeline.Webhooks;

/// <summary>
/// The one method by which other features raise a webhook event (<c>milestone.reached</c>, <c>delivery.sent</c>,
/// <c>update.sent</c>): <see cref="RecordAsync"/>, called before what it reports is sent or marked done, with a key
/// unique to the event. Recording is idempotent (the same key twice is one event) and is followed by an attempt to queue
/// at once; what that attempt leaves (a crash, storage down) the dispatch timer queues. Data must hold nothing personal.
/// </summary>
public sealed class WebhookEventLog(PetitionStore petitions, WebhookStore store, WebhookDispatcher dispatcher, TimeProvider clock, ILogger<WebhookEventLog> logger)
{
    public async Task RecordAsync(string petitionId, string kind, string key, JsonObject data, CancellationToken ct)
    {
        if (!WebhookEvents.All.Contains(kind, StringComparer.Ordinal)) throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown webhook event.");
        var petition = await petitions.GetAsync(petitionId, ct).ConfigureAwait(false);
        if (petition is null || !petition.Webhooks.Any(w => w.Wants(kind))) return;
        await store.RecordEventAsync(petitionId, kind, key, clock.GetUtcNow(), data, ct).ConfigureAwait(false);
        try
        {
            await dispatcher.DispatchRecordedEventsAsync(petition, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Webhook event {Kind} of {PetitionId} recorded; queueing it is left to the dispatch timer ({Error})", kind, petitionId, e.Message);
        }
    }

    /// <summary>An update was sent to the petition's signers (the updates feature calls this once its fan-out is done).</summary>
    public Task UpdateSentAsync(string petitionId, string updateId, JsonObject data, CancellationToken ct) =>
        RecordAsync(petitionId, WebhookEvents.UpdateSent, updateId, data, ct);
}
