using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SignaturePipeline.Petitions;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Webhooks;

/// <summary>
/// The queue function behind <c>webhooks</c>: renders a message's events, signs and POSTs them, and decides what a failure
/// means. Network errors, timeouts, 408, 429 and 5xx are retried: the message goes back to the queue with the events still
/// owed, invisible for an exponential backoff (or the receiver's <c>Retry-After</c>, if longer), until the retry window
/// (<see cref="WebhookOptions.RetryWindowHours"/>) from the first attempt is over. Then, or at once for an answer that a
/// retry cannot change (3xx, which is never followed; other 4xx; a refused address), the events are kept as a failure
/// (<see cref="WebhookStore"/>) that an organizer sees and can send again.
/// </summary>
public sealed class WebhookSender(
    PetitionStore petitions,
    SignatureStore signatures,
    WebhookStore store,
    WebhookDispatcher dispatcher,
    WebhookSecrets secrets,
    IHttpClientFactory httpClients,
    IOptions<WebhookOptions> options,
    TimeProvider clock,
    ILogger<WebhookSender> logger)
{
    public const string FunctionName = "SendWebhooks";
    public const string UserAgent = "SignaturePipeline-Webhooks/1";
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromHours(1);

    private sealed record Attempt(IReadOnlyList<QueuedWebhookEvent> Events, bool Retryable, TimeSpan? RetryAfter, string Error);

    public async Task ProcessAsync(string messageText, CancellationToken ct)
    {
        var message = WebhookMessage.Parse(messageText);
        var petition = await petitions.GetAsync(message.PetitionId, ct).ConfigureAwait(false);
        var webhook = petition?.Webhooks.FirstOrDefault(w => w.Id == message.WebhookId);
        if (petition is null || webhook is null)
        {
            logger.LogInformation("Webhook {WebhookId} of {PetitionId} no longer exists; {Events} events dropped", message.WebhookId, message.PetitionId, message.Events.Count);
            return;
        }
        var now = clock.GetUtcNow();
        var rendered = await RenderAsync(petition, webhook, message.Events, ct).ConfigureAwait(false);
        if (rendered.Count == 0) return;

        var failed = await SendAsync(petition, webhook, message, rendered, ct).ConfigureAwait(false);
        var permanent = failed.Where(f => !f.Retryable).ToList();
        var retry = failed.Where(f => f.Retryable).ToList();
        var first = message.FirstAttemptAt ?? now;
        if (permanent.Count > 0)
            await store.RecordFailureAsync(message with { Events = [.. permanent.SelectMany(f => f.Events)] }, webhook.Url, permanent[0].Error, now, ct).ConfigureAwait(false);
        if (retry.Count == 0) return;

        var next = message with { Events = [.. retry.SelectMany(f => f.Events)], Attempt = message.Attempt + 1, FirstAttemptAt = first };
        var left = first + options.Value.RetryWindow - now;
        if (left <= TimeSpan.Zero)
        {
            logger.LogWarning("Webhook {WebhookId} of {PetitionId}: {Events} events failed for the whole retry window ({Error}); kept as a failure",
                webhook.Id, petition.Id, next.Events.Count, retry[0].Error);
            await store.RecordFailureAsync(next with { Attempt = message.Attempt }, webhook.Url, retry[0].Error, now, ct).ConfigureAwait(false);
            return;
        }
        var delay = Backoff(message.Attempt);
        if (retry.Max(r => r.RetryAfter) is { } after && after > delay) delay = after;
        if (delay > left) delay = left;
        logger.LogInformation("Webhook {WebhookId} of {PetitionId}: {Events} events retried in {Delay} ({Error})", webhook.Id, petition.Id, next.Events.Count, delay, retry[0].Error);
        await dispatcher.EnqueueAsync(next, ct, delay).ConfigureAwait(false);
    }

    /// <summary>The first retry after <see cref="WebhookOptions.FirstRetrySeconds"/>, each next one twice as late (up to an hour), with 10% jitter.</summary>
    private TimeSpan Backoff(int failedAttempts)
    {
        var seconds = options.Value.FirstRetrySeconds * Math.Pow(2, Math.Min(failedAttempts, 20));
        var capped = Math.Min(seconds, MaxBackoff.TotalSeconds);
        return TimeSpan.FromSeconds(capped * (1 + Random.Shared.NextDouble() * 0.1));
    }

    /// <summary>Each event's body; a counted signer who is no longer in their index row (removed, erased) is not sent.</summary>
    private async Task<List<(QueuedWebhookEvent Event, JsonObject Body)>> RenderAsync(Petition petition, Webhook webhook,
        IReadOnlyList<QueuedWebhookEvent> events, CancellationToken ct)
    {
        var list = new List<(QueuedWebhookEvent, JsonObject)>(events.Count);
        var indexRows = new Dictionary<(int, string), (IReadOnlyList<IndexedSigner> Signers, IReadOnlyList<SignerRef> Refs)?>();
        foreach (var e in events)
        {
            JsonObject? data;
            if (e.Kind == WebhookEvents.SignatureCounted && e.Shard is int shard && e.IndexRow is { } indexKey)
            {
                if (!indexRows.TryGetValue((shard, indexKey), out var row))
                {
                    var entity = await signatures.ReadIndexRowAsync(petition.Id, shard, indexKey, ct).ConfigureAwait(false);
                    indexRows[(shard, indexKey)] = row = entity is null ? null : (IndexedSigner.ReadSigners(entity), IndexedSigner.ReadRefs(entity));
                }
                if (row is not { } r) continue;
                var at = e.RowKey is { } rowKey ? IndexOf(r.Refs, rowKey) : r.Refs.Count == 0 && e.Position is int p && p < r.Signers.Count ? p : -1;
                if (at < 0 || at >= r.Signers.Count) continue;
                var signatureId = dispatcher.SignatureIdOf(petition.Id, e.RowKey ?? indexKey + "#" + at.ToString(CultureInfo.InvariantCulture));
                data = WebhookPayloads.Signature(webhook.Format, signatureId, r.Signers[at], at < r.Refs.Count ? r.Refs[at] : null);
            }
            else if (e.Kind == WebhookEvents.SignatureRemoved && e.Data?["signatureId"]?.GetValue<string>() is { } removedId)
                data = WebhookPayloads.Removed(webhook.Format, removedId, e.OccurredAt);
            else data = e.Data?.DeepClone().AsObject() ?? [];
            list.Add((e, WebhookPayloads.Body(webhook.Format, e.Id, e.Kind, e.OccurredAt, petition.Id, data)));
        }
        return list;
    }

    private static int IndexOf(IReadOnlyList<SignerRef> refs, string rowKey)
    {
        for (var i = 0; i < refs.Count; i++) if (refs[i].RowKey == rowKey) return i;
        return -1;
    }

    /// <summary>Sends the events: one POST for a batching webhook's counted signatures, otherwise one per event. Returns what failed.</summary>
    private async Task<List<Attempt>> SendAsync(Petition petition, Webhook webhook, WebhookMessage message,
        List<(QueuedWebhookEvent Event, JsonObject Body)> rendered, CancellationToken ct)
    {
        var secret = secrets.Open(webhook.SealedSecret);
        var headers = webhook.SealedHeaders.ToDictionary(h => h.Key, h => secrets.Open(h.Value), StringComparer.OrdinalIgnoreCase);
        var failed = new List<Attempt>();
        if (webhook.Batch && message.BatchId is { } batchId && rendered.All(r => r.Event.Kind == WebhookEvents.SignatureCounted))
        {
            var array = new JsonArray([.. rendered.Select(r => (JsonNode)r.Body)]);
            var outcome = await PostAsync(webhook, secret, headers, batchId, WebhookEvents.SignatureCounted, array, ct).ConfigureAwait(false);
            if (outcome is not null) failed.Add(outcome with { Events = [.. rendered.Select(r => r.Event)] });
            return failed;
        }
        using var gate = new SemaphoreSlim(options.Value.MaxParallelRequests);
        var sends = rendered.Select(async r =>
        {
            await gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                var outcome = await PostAsync(webhook, secret, headers, r.Event.Id, r.Event.Kind, r.Body, ct).ConfigureAwait(false);
                return outcome is null ? null : outcome with { Events = [r.Event] };
            }
            finally { gate.Release(); }
        }).ToList();
        foreach (var outcome in await Task.WhenAll(sends).ConfigureAwait(false))
            if (outcome is not null) failed.Add(outcome);
        if (failed.Count > 0 && logger.IsEnabled(LogLevel.Debug))
            logger.LogDebug("Webhook {WebhookId} of {PetitionId}: {Failed} of {Events} failed", webhook.Id, petition.Id, failed.Count, rendered.Count);
        return failed;
    }

    /// <summary>The <c>X-Signature-256</c> value: <c>sha256=</c> and the hex HMAC-SHA256 of <c>{timestamp}.{body}</c> under the secret.</summary>
    public static string Sign(string secret, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    /// <summary>One signed POST; null when the receiver took it (2xx), else what failed and whether a retry can help.</summary>
    private async Task<Attempt?> PostAsync(Webhook webhook, string secret, IReadOnlyDictionary<string, string> headers, string deliveryId, string kind,
        JsonNode body, CancellationToken ct)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body);
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        request.Headers.UserAgent.ParseAdd(UserAgent);
        request.Headers.Add("X-Signature-Event", kind);
        request.Headers.Add("X-Signature-Delivery", deliveryId);
        request.Headers.Add("X-Signature-Timestamp", timestamp);
        request.Headers.Add("X-Signature-256", Sign(secret, timestamp, bytes));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.TimeoutSeconds));
        try
        {
            var client = httpClients.CreateClient(WebhookHttp.ClientName);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            await DrainAsync(response, options.Value.MaxResponseBytes, timeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300) return null;
            var retryable = status is 408 or 429 or >= 500;
            return new Attempt([], retryable, RetryAfter(response), $"HTTP {status}" + (status is >= 300 and < 400 ? " (redirects are not followed)" : ""));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new Attempt([], true, null, "timed out");
        }
        catch (HttpRequestException e) when (Refused(e))
        {
            return new Attempt([], false, null, "address refused: the host resolves to no address webhooks may reach");
        }
        catch (HttpRequestException e)
        {
            return new Attempt([], true, null, "network error: " + (e.HttpRequestError == HttpRequestError.Unknown ? e.Message : e.HttpRequestError.ToString()));
        }
    }

    private static bool Refused(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is WebhookAddressRefusedException) return true;
        return false;
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is not { } after) return null;
        if (after.Delta is { } delta) return delta;
        return after.Date is { } date ? date - clock.GetUtcNow() : null;
    }

    /// <summary>Reads at most <paramref name="max"/> bytes of the answer (nobody needs more), so a huge or endless body costs nothing.</summary>
    private static async Task DrainAsync(HttpResponseMessage response, int max, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        var buffer = new byte[Math.Min(max, 8192)];
        for (var total = 0; total < max;)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, Math.Min(buffer.Length, max - total)), ct).ConfigureAwait(false);
            if (read == 0) break;
            total += read;
        }
    }
}
