using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using SignaturePipeline.Storage;

namespace SignaturePipeline.Webhooks;

/// <summary>A webhook's cursor in one shard: signatures counted (and removed) before <see cref="Ticks"/> have been queued.</summary>
public sealed record WebhookCursor(long Ticks, ETag ETag);

/// <summary>An event delivery that was given up on: visible to the organizer, and sent again on request.</summary>
public sealed record WebhookFailure(string Id, string WebhookId, string Url, string Event, int Events, int Attempts,
    DateTimeOffset FirstAttemptAt, DateTimeOffset FailedAt, string Error);

/// <summary>An event recorded by the code that caused it (a milestone, a delivery, an update), waiting to be queued.</summary>
public sealed record RecordedWebhookEvent(string Kind, string Key, DateTimeOffset OccurredAt, JsonObject Data, ETag ETag);

/// <summary>
/// Table <c>webhooks</c>, one partition per petition (PartitionKey: the petition id):
/// <list type="bullet">
/// <item><c>c_{webhookId}_{shard:D2}</c>: the webhook's cursor in a shard's delivery index and removal rows (<c>Ticks</c>), ETag-guarded.</item>
/// <item><c>e_{kind}_{key}</c>: an event recorded before what it reports was sent (a milestone email, a delivery), with
/// <c>Queued</c> once it is in the queue; the insert fails with 409 for the same event twice.</item>
/// <item><c>f_{webhookId}_{deliveryId}</c>: a failed delivery, holding the queue message (references and non-personal data
/// only) to send it again.</item>
/// </list>
/// </summary>
public sealed class WebhookStore(TableServiceClient tables)
{
    private readonly TableClient _table = tables.GetTableClient(TableNames.Webhooks);

    private static string CursorKey(string webhookId, int shard) => $"c_{webhookId}_{shard:D2}";

    public async Task<WebhookCursor?> GetCursorAsync(string petitionId, string webhookId, int shard, CancellationToken ct)
    {
        var read = await _table.GetEntityIfExistsAsync<TableEntity>(petitionId, CursorKey(webhookId, shard), cancellationToken: ct).ConfigureAwait(false);
        return read.HasValue ? new WebhookCursor(read.Value!.GetInt64("Ticks") ?? 0, read.Value!.ETag) : null;
    }

    /// <summary>Moves the cursor; false when another run moved it first (that run queued the same window).</summary>
    public async Task<bool> MoveCursorAsync(string petitionId, string webhookId, int shard, WebhookCursor? from, long toTicks, CancellationToken ct)
    {
        var entity = new TableEntity(petitionId, CursorKey(webhookId, shard)) { ["Ticks"] = toTicks };
        try
        {
            if (from is null) await _table.AddEntityAsync(entity, ct).ConfigureAwait(false);
            else await _table.UpdateEntityAsync(entity, from.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }

    /// <summary>Records an event; false when it was recorded before.</summary>
    public async Task<bool> RecordEventAsync(string petitionId, string kind, string key, DateTimeOffset occurredAt, JsonObject data, CancellationToken ct)
    {
        try
        {
            await _table.AddEntityAsync(new TableEntity(petitionId, $"e_{kind}_{key}")
            {
                ["Kind"] = kind,
                ["Key"] = key,
                ["OccurredAt"] = occurredAt,
                ["Data"] = data.ToJsonString(),
                ["Queued"] = false,
            }, ct).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    public async IAsyncEnumerable<RecordedWebhookEvent> ListUnqueuedEventsAsync(string petitionId, [EnumeratorCancellation] CancellationToken ct)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {petitionId} and RowKey ge {"e_"} and RowKey lt {"e`"} and Queued eq {false}");
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, cancellationToken: ct).ConfigureAwait(false))
            yield return new RecordedWebhookEvent(e.GetString("Kind") ?? "", e.GetString("Key") ?? "", e.GetDateTimeOffset("OccurredAt") ?? default,
                JsonNode.Parse(e.GetString("Data") ?? "{}")!.AsObject(), e.ETag);
    }

    public async Task MarkQueuedAsync(string petitionId, RecordedWebhookEvent recorded, CancellationToken ct)
    {
        try
        {
            await _table.UpdateEntityAsync(new TableEntity(petitionId, $"e_{recorded.Kind}_{recorded.Key}") { ["Queued"] = true }, recorded.ETag,
                TableUpdateMode.Merge, ct).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Another run queued it.
        }
    }

    public async Task RecordFailureAsync(WebhookMessage message, string url, string error, DateTimeOffset at, CancellationToken ct)
    {
        var entity = new TableEntity(message.PetitionId, $"f_{message.WebhookId}_{message.BatchId ?? message.Events[0].Id}")
        {
            ["WebhookId"] = message.WebhookId,
            ["Url"] = url,
            ["Event"] = message.Events[0].Kind,
            ["Events"] = message.Events.Count,
            ["Attempts"] = message.Attempt + 1,
            ["FirstAttemptAt"] = message.FirstAttemptAt ?? at,
            ["FailedAt"] = at,
            ["Error"] = error,
            ["Message"] = message.Serialize(),
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<(WebhookFailure Failure, WebhookMessage Message)>> ListFailuresAsync(string petitionId, int max, CancellationToken ct)
    {
        var list = new List<(WebhookFailure, WebhookMessage)>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {petitionId} and RowKey ge {"f_"} and RowKey lt {"f`"}");
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(max, 1000), cancellationToken: ct).ConfigureAwait(false))
        {
            list.Add((new WebhookFailure(e.RowKey[2..], e.GetString("WebhookId") ?? "", e.GetString("Url") ?? "", e.GetString("Event") ?? "",
                e.GetInt32("Events") ?? 0, e.GetInt32("Attempts") ?? 0, e.GetDateTimeOffset("FirstAttemptAt") ?? default,
                e.GetDateTimeOffset("FailedAt") ?? default, e.GetString("Error") ?? ""), WebhookMessage.Parse(e.GetString("Message") ?? "")));
            if (list.Count >= max) break;
        }
        return list;
    }

    public async Task DeleteFailureAsync(string petitionId, string failureId, CancellationToken ct)
    {
        try { await _table.DeleteEntityAsync(petitionId, "f_" + failureId, ETag.All, ct).ConfigureAwait(false); }
        catch (RequestFailedException e) when (e.Status == 404) { }
    }
}
