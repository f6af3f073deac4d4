using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SignaturePipeline.Confirmation;
using SignaturePipeline.Email;
using SignaturePipeline.Petitions;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;
using SignaturePipeline.Storage;
using SignaturePipeline.Webhooks;

namespace SignaturePipeline.Updates;

/// <summary>A message on queue <c>updates</c>: "work on this shard of this update". Where to start is in the progress row, not here.</summary>
public sealed record FanOutMessage(string PetitionId, string UpdateId, int Shard, DateTimeOffset QueuedAt);

/// <summary>
/// The fan-out of an update to its signers, one queue step at a time. Each shard of the petition is a chain of steps: a step
/// claims the shard's progress row (an ETag-guarded lease), reads the next page of counted signers from the signature
/// store, records a pending recipient row for each (one transaction; 409 on a repeat), sends each pending one with an
/// idempotency key per signer and update, marks them sent, and advances the page position together with the counters. A
/// step stops after <see cref="UpdateOptions.StepSeconds"/> or <see cref="UpdateOptions.StepMaxEmails"/> and queues the
/// next one, so a million signers is many short steps, never one long run.
/// <para>Exactly once: a step that dies before marking its page resends only the still-pending recipients of that page,
/// with the same idempotency keys (the pickup folder and ACS make a repeat a no-op; only a crash between a send and its
/// mark reaches the transport twice). Overlapping steps meet at the progress row's ETag and lease: one sends, the other
/// waits for the lease and then finds the work done. A killed host's message comes back and resumes at the last
/// recorded page once the lease (<see cref="Lease"/>) lapses.</para>
/// </summary>
public sealed class UpdateFanOut(
    UpdateStore store,
    SignatureStore signatures,
    PetitionStore petitions,
    EmailSender email,
    Hmac hmac,
    QueueServiceClient queues,
    IOptions<UpdateOptions> options,
    IOptions<PipelineOptions> pipeline,
    IOptions<ConfirmationOptions> confirmation,
    WebhookEventLog webhooks,
    TimeProvider clock,
    ILogger<UpdateFanOut> logger)
{
    public const string FunctionName = "FanOutUpdate";

    /// <summary>How long a step's claim outlives a host that died holding it. A step lasts at most StepSeconds plus one send.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    /// <summary>The longest one send may take before it counts as a failed try.</summary>
    public static readonly TimeSpan SendDeadline = TimeSpan.FromMinutes(1);

    /// <summary>How long a message waits for its update to be recorded (it is queued just before): past it, the publication failed.</summary>
    public static readonly TimeSpan UnrecordedGrace = TimeSpan.FromMinutes(10);

    /// <summary>After a failed send, how long the shard rests before it tries again.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Signers per page read: a page is one query, and fewer, fuller pages cost the store less (Azurite scans per query).
    /// Each page is recorded and marked in chunks of <see cref="ChunkSize"/>, the most one transaction takes.
    /// </summary>
    public const int MaxPageSize = 1000;
    public const int ChunkSize = 100;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly QueueClient _queue = queues.GetQueueClient(QueueNames.Updates);

    public async Task EnqueueAsync(FanOutMessage message, TimeSpan delay, CancellationToken ct) =>
        await _queue.SendMessageAsync(JsonSerializer.Serialize(message, Json), visibilityTimeout: delay > TimeSpan.Zero ? delay : null, cancellationToken: ct).ConfigureAwait(false);

    /// <summary>The queue trigger: one step of one shard's chain.</summary>
    public async Task ProcessAsync(string messageText, CancellationToken ct)
    {
        var message = JsonSerializer.Deserialize<FanOutMessage>(messageText, Json) ?? throw new JsonException("Empty fan-out message.");
        var update = await store.GetAsync(message.PetitionId, message.UpdateId, ct).ConfigureAwait(false);
        var progress = update is null ? null : await store.GetProgressAsync(message.PetitionId, message.UpdateId, message.Shard, ct).ConfigureAwait(false);
        if (update is null || progress is null)
        {
            if (clock.GetUtcNow() - message.QueuedAt < UnrecordedGrace)
                await EnqueueAsync(message, TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
            else
                logger.LogWarning("Update {UpdateId} of {PetitionId} was never recorded; its fan-out message is dropped", message.UpdateId, message.PetitionId);
            return;
        }
        if (progress.Done)
        {
            await CompleteAsync(update, ct).ConfigureAwait(false);
            return;
        }

        var run = Guid.NewGuid().ToString("N");
        var now = clock.GetUtcNow();
        if (progress.IsClaimedByOther(run, now))
        {
            // Another step holds the shard: this message waits for its lease, then finds the shard done or free.
            await EnqueueAsync(message, progress.ClaimedUntil!.Value - now + TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
            return;
        }
        var claimed = await store.TryWriteProgressAsync(progress with { ClaimedBy = run, ClaimedUntil = now + Lease }, ct).ConfigureAwait(false);
        if (claimed is null)
        {
            await EnqueueAsync(message, Lease, ct).ConfigureAwait(false);
            return;
        }
        await StepAsync(message, update, claimed, ct).ConfigureAwait(false);
    }

    private async Task StepAsync(FanOutMessage message, UpdateRecord update, FanOutProgress claimed, CancellationToken ct)
    {
        var settings = options.Value;
        var petition = await petitions.GetAsync(update.PetitionId, ct).ConfigureAwait(false);
        var baseUrl = new Uri(pipeline.Value.PublicBaseUrlOr(PipelineOptions.LocalHostBaseUrl) + "/");
        var template = new UpdateEmail.Template(petition?.Title ?? update.PetitionId, update, new Uri(baseUrl, $"petitions/{Uri.EscapeDataString(update.PetitionId)}"));
        var interval = settings.MaxEmailsPerMinute == 0 ? TimeSpan.Zero : TimeSpan.FromMinutes((double)update.Shards / settings.MaxEmailsPerMinute);
        var pageSize = interval == TimeSpan.Zero ? MaxPageSize : Math.Clamp((int)(settings.StepSeconds / interval.TotalSeconds) + 1, 1, MaxPageSize);
        var started = clock.GetUtcNow();
        var budget = new StepBudget(started + TimeSpan.FromSeconds(settings.StepSeconds), settings.StepMaxEmails, interval);

        while (true)
        {
            var page = await signatures.ReadRecipientPageAsync(update.PetitionId, claimed.Shard, claimed.Position, update.Content.OptedInOnly, pageSize, ct).ConfigureAwait(false);
            var counts = new PageCounts(0, 0, 0, 0);
            var outcome = new PageOutcome(counts, TimeSpan.Zero);
            foreach (var chunk in page.Rows.Chunk(ChunkSize))
            {
                outcome = await SendChunkAsync(template, update, claimed.Shard, chunk, budget, ct).ConfigureAwait(false);
                if (outcome.Counts is not { } chunkCounts) break;
                counts += chunkCounts;
            }
            if (outcome.Counts is null)
            {
                // Stopped inside the page: its position stays, so the next step finds its recipient records and goes on.
                var released = await store.TryWriteProgressAsync(claimed with { ClaimedBy = null, ClaimedUntil = null }, ct).ConfigureAwait(false);
                if (released is not null) await EnqueueAsync(message with { QueuedAt = clock.GetUtcNow() }, outcome.RetryAfter, ct).ConfigureAwait(false);
                return;
            }

            var done = page.Next is null;
            var stop = done || budget.IsSpent(clock.GetUtcNow());
            var advanced = await store.TryWriteProgressAsync(claimed with
            {
                Position = page.Next,
                Done = done,
                Recipients = claimed.Recipients + counts.Recipients,
                Sent = claimed.Sent + counts.Sent,
                Failed = claimed.Failed + counts.Failed,
                Suppressed = claimed.Suppressed + counts.Suppressed,
                ClaimedBy = stop ? null : claimed.ClaimedBy,
                ClaimedUntil = stop ? null : clock.GetUtcNow() + Lease,
            }, ct).ConfigureAwait(false);
            if (advanced is null)
            {
                // The lease lapsed and another step took the shard over: it counts this page, from the recipient records.
                logger.LogWarning("Fan-out of update {UpdateId} of {PetitionId}, shard {Shard}, lost its claim; another step goes on", update.UpdateId, update.PetitionId, claimed.Shard);
                return;
            }
            claimed = advanced;
            if (done)
            {
                await CompleteAsync(update, ct).ConfigureAwait(false);
                return;
            }
            if (stop)
            {
                await EnqueueAsync(message with { QueuedAt = clock.GetUtcNow() }, TimeSpan.Zero, ct).ConfigureAwait(false);
                return;
            }
        }
    }

    private sealed record PageCounts(long Recipients, long Sent, long Failed, long Suppressed)
    {
        public static PageCounts operator +(PageCounts a, PageCounts b) =>
            new(a.Recipients + b.Recipients, a.Sent + b.Sent, a.Failed + b.Failed, a.Suppressed + b.Suppressed);
    }

    /// <summary>The chunk's counts when it was finished; otherwise none, and how long to wait before the next step.</summary>
    private sealed record PageOutcome(PageCounts? Counts, TimeSpan RetryAfter);

    /// <summary>When a step must hand over: a time, a number of emails, and the pause between sends the throttle asks for.</summary>
    private sealed class StepBudget(DateTimeOffset until, int maxEmails, TimeSpan interval)
    {
        private int _sent;
        public TimeSpan Interval => interval;
        public bool IsSpent(DateTimeOffset now) => now >= until || Volatile.Read(ref _sent) >= maxEmails;
        public void Count() => Interlocked.Increment(ref _sent);
    }

    private async Task<PageOutcome> SendChunkAsync(UpdateEmail.Template template, UpdateRecord update, int shard, IReadOnlyList<UpdateRecipient> rows, StepBudget budget, CancellationToken ct)
    {
        var settings = options.Value;
        var eligible = rows.Where(r => !r.Unsubscribed && !string.IsNullOrEmpty(r.Email)).ToList();
        var suppressed = rows.Count - eligible.Count;
        if (eligible.Count == 0) return new PageOutcome(new PageCounts(0, 0, 0, suppressed), TimeSpan.Zero);

        // Recorded before anything is sent: a retry of this page finds the records, not a blank slate.
        var records = await RecordRecipientsAsync(update, shard, eligible, ct).ConfigureAwait(false);
        var changed = new ConcurrentDictionary<string, RecipientRecord>(StringComparer.Ordinal);
        var stopped = false;
        var failedTry = false;
        var pending = eligible.Where(r => records[r.RowKey].State == RecipientState.Pending).ToList();

        var unsubscribeBase = pipeline.Value.PublicBaseUrlOr(PipelineOptions.LocalHostBaseUrl) + $"/petitions/{Uri.EscapeDataString(update.PetitionId)}/unsubscribe?token=";
        var expires = clock.GetUtcNow().AddDays(confirmation.Value.RemovalLinkDays);
        async ValueTask SendOneAsync(UpdateRecipient recipient, CancellationToken token)
        {
            if (Volatile.Read(ref stopped)) return;
            if (budget.IsSpent(clock.GetUtcNow()))
            {
                Volatile.Write(ref stopped, true);
                return;
            }
            var record = records[recipient.RowKey];
            var unsubscribe = new Uri(unsubscribeBase + new SignerToken(update.PetitionId, shard, recipient.RowKey, expires).Create(hmac, TokenPurpose.Unsubscribe));
            try
            {
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
                deadline.CancelAfter(SendDeadline);
                await email.SendAsync(template.Render(recipient, unsubscribe),
                    UpdateEmail.IdempotencyKey(update.PetitionId, update.UpdateId, recipient.RowKey), deadline.Token).ConfigureAwait(false);
                changed[recipient.RowKey] = record with { State = RecipientState.Sent, Attempts = record.Attempts + 1 };
                budget.Count();
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                var attempts = record.Attempts + 1;
                changed[recipient.RowKey] = record with { State = attempts >= settings.MaxAttempts ? RecipientState.Failed : RecipientState.Pending, Attempts = attempts };
                logger.LogWarning(e, "Update {UpdateId} of {PetitionId}: a send failed (try {Attempt} of {MaxAttempts}); the shard rests before it goes on",
                    update.UpdateId, update.PetitionId, attempts, settings.MaxAttempts);
                Volatile.Write(ref failedTry, true);
                Volatile.Write(ref stopped, true);
            }
        }

        try
        {
            if (budget.Interval == TimeSpan.Zero)
                await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, SendOneAsync).ConfigureAwait(false);
            else
                for (var i = 0; i < pending.Count && !Volatile.Read(ref stopped); i++)
                {
                    if (i > 0) await Task.Delay(budget.Interval, clock, ct).ConfigureAwait(false);
                    await SendOneAsync(pending[i], ct).ConfigureAwait(false);
                }
        }
        finally
        {
            // What went out is marked even when the step stops: a retry then skips it.
            await store.MarkRecipientsAsync(update.PetitionId, update.UpdateId, shard, changed.Values.ToList(), CancellationToken.None).ConfigureAwait(false);
        }

        foreach (var (key, record) in changed) records[key] = record;
        if (records.Values.Any(r => r.State == RecipientState.Pending))
            return new PageOutcome(null, failedTry ? RetryDelay : TimeSpan.Zero);
        return new PageOutcome(new PageCounts(eligible.Count,
            records.Values.Count(r => r.State == RecipientState.Sent), records.Values.Count(r => r.State == RecipientState.Failed), suppressed), TimeSpan.Zero);
    }

    private async Task<Dictionary<string, RecipientRecord>> RecordRecipientsAsync(UpdateRecord update, int shard, IReadOnlyList<UpdateRecipient> eligible, CancellationToken ct)
    {
        var keys = eligible.Select(r => r.RowKey).ToList();
        if (await store.TryAddRecipientsAsync(update.PetitionId, update.UpdateId, shard, keys, ct).ConfigureAwait(false))
            return keys.ToDictionary(k => k, k => new RecipientRecord(k, RecipientState.Pending, 0, default), StringComparer.Ordinal);

        // A retried page: some are recorded (and maybe sent) already. Add the others one by one, then read them all.
        var first = keys.Min(StringComparer.Ordinal)!;
        var last = keys.Max(StringComparer.Ordinal)!;
        var found = await store.ListRecipientsAsync(update.PetitionId, update.UpdateId, shard, first, last, ct).ConfigureAwait(false);
        var missing = keys.Where(k => !found.ContainsKey(k)).ToList();
        foreach (var key in missing)
            await store.TryAddRecipientAsync(update.PetitionId, update.UpdateId, shard, key, ct).ConfigureAwait(false);
        if (missing.Count > 0) found = await store.ListRecipientsAsync(update.PetitionId, update.UpdateId, shard, first, last, ct).ConfigureAwait(false);
        return keys.ToDictionary(k => k, k => found[k], StringComparer.Ordinal);
    }

    /// <summary>
    /// Once every shard is done, records the webhooks' <c>update.sent</c> event (keyed by the update, so a step that repeats
    /// this records it once), then marks the update sent: a crash in between leaves the update sending, and the next step
    /// records nothing new and marks it.
    /// </summary>
    private async Task CompleteAsync(UpdateRecord update, CancellationToken ct)
    {
        if (update.Kind == UpdateKind.Victory) await petitions.MarkWonAsync(update.PetitionId, update.PublishedAt, ct).ConfigureAwait(false);
        if (update.Status == UpdateStatus.Sent) return;
        var progress = await store.ListProgressAsync(update.PetitionId, update.UpdateId, ct).ConfigureAwait(false);
        if (progress.Count < update.Shards || progress.Any(p => !p.Done)) return;
        var totals = UpdateProgress.Of(update, progress);
        await webhooks.UpdateSentAsync(update.PetitionId, update.UpdateId, new JsonObject
        {
            ["updateId"] = update.UpdateId,
            ["kind"] = update.Kind.ToString().ToLowerInvariant(),
            ["subject"] = update.Content.Subject,
            ["publishedAt"] = update.PublishedAt,
            ["recipients"] = totals.Recipients,
            ["sent"] = totals.Sent,
            ["failed"] = totals.Failed,
            ["suppressed"] = totals.Suppressed,
        }, ct).ConfigureAwait(false);
        if (await store.TryMarkSentAsync(update, clock.GetUtcNow(), ct).ConfigureAwait(false) is not null)
            logger.LogInformation("Update {UpdateId} of {PetitionId} ({Kind}) sent: {Recipients} recipients, {Sent} sent, {Failed} failed, {Suppressed} suppressed",
                update.UpdateId, update.PetitionId, update.Kind, totals.Recipients, totals.Sent, totals.Failed, totals.Suppressed);
    }
}
