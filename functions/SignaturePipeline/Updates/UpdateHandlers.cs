using System.Collections.Concurrent;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SignaturePipeline.Confirmation;
using SignaturePipeline.Petitions;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Updates;

/// <summary>Where an update's fan-out stands: the sums of its shards' progress rows.</summary>
public sealed record UpdateProgress(long Recipients, long Sent, long Failed, long Suppressed, [property: JsonConverter(typeof(JsonStringEnumConverter<UpdateStatus>))] UpdateStatus Status)
{
    public static UpdateProgress Of(UpdateRecord update, IReadOnlyList<FanOutProgress> shards) => new(
        shards.Sum(s => s.Recipients), shards.Sum(s => s.Sent), shards.Sum(s => s.Failed), shards.Sum(s => s.Suppressed), update.Status);
}

/// <summary>An update as its organizers see it.</summary>
public sealed record UpdateView(
    string UpdateId, string Kind, string Subject, string Body, string? SubjectEs, string? BodyEs, string? Responder, DateTimeOffset? RespondedAt,
    DateTimeOffset PublishedAt, string Status, DateTimeOffset? SentAt, long? Recipients = null, long? Sent = null, long? Failed = null, long? Suppressed = null)
{
    public static UpdateView Of(UpdateRecord u, UpdateProgress? p = null) => new(
        u.UpdateId, u.Kind.ToString().ToLowerInvariant(), u.Content.Subject, u.Content.Body, u.Content.SubjectEs, u.Content.BodyEs, u.Content.Responder,
        u.Content.RespondedAt, u.PublishedAt, u.Status.ToString().ToLowerInvariant(), u.SentAt, p?.Recipients, p?.Sent, p?.Failed, p?.Suppressed);
}

/// <summary>An update as the public sees it: what kind, its subject (in English and, when given, Spanish), when.</summary>
public sealed record PublicUpdate(string Kind, string Subject, string? SubjectEs, DateTimeOffset PublishedAt);

/// <summary>The target's response, as recorded by the newest update of kind <c>response</c>.</summary>
public sealed record PublicResponse(string Responder, DateTimeOffset RespondedAt, string Text, string? TextEs);

public sealed record PublicUpdates(IReadOnlyList<PublicUpdate> Updates, PublicResponse? Response)
{
    public static readonly PublicUpdates None = new([], null);
}

public abstract record PublishResult
{
    private PublishResult() { }
    public sealed record Published(UpdateRecord Update, long Recipients) : PublishResult;
    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : PublishResult;
    public sealed record PetitionNotFound : PublishResult;
    /// <summary>More updates of kind <c>update</c> than the weekly cap; the next may go at <see cref="NextAllowedAt"/>.</summary>
    public sealed record WeeklyCapReached(int MaxPerWeek, DateTimeOffset NextAllowedAt) : PublishResult;
}

public enum UnsubscribeOutcome { Ready, Unsubscribed, Expired, Invalid }

public sealed record UnsubscribeResult(UnsubscribeOutcome Outcome, Petition? Petition, string? Token = null);

/// <summary>
/// Updates to signers as a domain API, for the admin routes and any console: publish (record, then fan out through queue
/// <c>updates</c>), list, show progress; the public summary the petition's page and JSON show; and unsubscribing.
/// </summary>
public sealed class UpdateHandlers(
    UpdateStore store,
    UpdateFanOut fanOut,
    PetitionStore petitions,
    SignatureStore signatures,
    Hmac hmac,
    IOptions<UpdateOptions> options,
    IOptions<PipelineOptions> pipeline,
    TimeProvider clock,
    ILogger<UpdateHandlers> logger)
{
    public static readonly TimeSpan CapWindow = TimeSpan.FromDays(7);
    public const int MaxPublicUpdates = 50;

    private readonly ConcurrentDictionary<string, (PublicUpdates Value, DateTimeOffset Expires)> _public = new(StringComparer.Ordinal);

    /// <summary>
    /// Records the update and its fan-out, then lets the queue send it. The fan-out's messages are queued first (a step
    /// waits for its record), so a recorded update never misses its messages; a victory then marks the petition won.
    /// </summary>
    public async Task<PublishResult> PublishAsync(string petitionId, UpdateRequest request, CancellationToken ct)
    {
        var petition = await petitions.ReadAsync(petitionId, ct).ConfigureAwait(false);
        if (petition is null) return new PublishResult.PetitionNotFound();
        var now = clock.GetUtcNow();
        var errors = request.Validate(now, out var valid);
        if (errors.Count > 0) return new PublishResult.Invalid(errors);

        var counts = await signatures.GetCountsAsync(petitionId, ct).ConfigureAwait(false);
        var record = new UpdateRecord(petitionId, UpdateStore.NewUpdateId(now), valid!, now, signatures.ShardCount, counts.Total, UpdateStatus.Sending, null, default);
        var queued = false;
        for (var attempt = 0; ; attempt++)
        {
            (IReadOnlyList<DateTimeOffset>, Azure.ETag?)? cap = null;
            if (valid!.Kind == UpdateKind.Update)
            {
                var (times, etag) = await store.ReadCapAsync(petitionId, ct).ConfigureAwait(false);
                var recent = times.Where(t => t > now - CapWindow).Order().ToList();
                if (recent.Count >= options.Value.MaxPerWeek)
                    return new PublishResult.WeeklyCapReached(options.Value.MaxPerWeek, recent[^options.Value.MaxPerWeek] + CapWindow);
                cap = ([.. recent, now], etag);
            }
            if (!queued)
            {
                for (var shard = 0; shard < record.Shards; shard++)
                    await fanOut.EnqueueAsync(new FanOutMessage(petitionId, record.UpdateId, shard, now), TimeSpan.Zero, ct).ConfigureAwait(false);
                queued = true;
            }
            if (await store.RecordAsync(record, cap, ct).ConfigureAwait(false)) break;
            if (attempt >= 10) throw new InvalidOperationException($"Could not record an update of {petitionId}: its weekly cap kept changing.");
        }
        if (record.Kind == UpdateKind.Victory) await petitions.MarkWonAsync(petitionId, now, ct).ConfigureAwait(false);
        _public.TryRemove(petitionId, out _);
        logger.LogInformation("Update {UpdateId} ({Kind}) of {PetitionId} recorded for up to {Recipients} counted signers",
            record.UpdateId, record.Kind, petitionId, counts.Total);
        return new PublishResult.Published(record, counts.Total);
    }

    /// <summary>The petition's updates, newest first; null when there is no such petition.</summary>
    public async Task<IReadOnlyList<UpdateView>?> ListAsync(string petitionId, CancellationToken ct)
    {
        if (await petitions.GetAsync(petitionId, ct).ConfigureAwait(false) is null) return null;
        return (await store.ListAsync(petitionId, 1000, ct).ConfigureAwait(false)).Select(u => UpdateView.Of(u)).ToList();
    }

    /// <summary>One update with its progress; null when the petition or the update does not exist.</summary>
    public async Task<UpdateView?> GetAsync(string petitionId, string updateId, CancellationToken ct)
    {
        if (!PetitionIds.IsValid(petitionId) || !UpdateStore.IsUpdateId(updateId)) return null;
        var update = await store.GetAsync(petitionId, updateId, ct).ConfigureAwait(false);
        if (update is null) return null;
        return UpdateView.Of(update, UpdateProgress.Of(update, await store.ListProgressAsync(petitionId, updateId, ct).ConfigureAwait(false)));
    }

    /// <summary>What the public sees of a petition's updates: kept per instance as long as a petition definition is.</summary>
    public async Task<PublicUpdates> PublicAsync(string petitionId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (_public.TryGetValue(petitionId, out var cached) && cached.Expires > now) return cached.Value;
        var updates = await store.ListAsync(petitionId, MaxPublicUpdates, ct).ConfigureAwait(false);
        var response = updates.FirstOrDefault(u => u.Kind == UpdateKind.Response);
        var value = updates.Count == 0 ? PublicUpdates.None : new PublicUpdates(
            updates.Select(u => new PublicUpdate(u.Kind.ToString().ToLowerInvariant(), u.Content.Subject, u.Content.SubjectEs, u.PublishedAt)).ToList(),
            response is null ? null : new PublicResponse(response.Content.Responder ?? "", response.Content.RespondedAt ?? response.PublishedAt, response.Content.Body, response.Content.BodyEs));
        var ttl = TimeSpan.FromSeconds(pipeline.Value.PetitionCacheSeconds);
        if (ttl > TimeSpan.Zero)
        {
            if (_public.Count >= 1024) _public.Clear();
            _public[petitionId] = (value, now + ttl);
        }
        return value;
    }

    /// <summary>For the page behind the unsubscribe link: whether the link is good. A GET never unsubscribes.</summary>
    public async Task<UnsubscribeResult> CheckUnsubscribeAsync(string petitionId, string? token, CancellationToken ct)
    {
        var (outcome, _, petition) = await ReadTokenAsync(petitionId, token, ct).ConfigureAwait(false);
        return new UnsubscribeResult(outcome, petition, outcome == UnsubscribeOutcome.Ready ? token : null);
    }

    /// <summary>Unsubscribes the signer the token names from this petition's updates, at once. The signature keeps counting.</summary>
    public async Task<UnsubscribeResult> UnsubscribeAsync(string petitionId, string? token, CancellationToken ct)
    {
        var (outcome, read, petition) = await ReadTokenAsync(petitionId, token, ct).ConfigureAwait(false);
        if (outcome != UnsubscribeOutcome.Ready) return new UnsubscribeResult(outcome, petition);
        var done = await signatures.UnsubscribeAsync(petitionId, read!.Shard, read.RowKey, clock.GetUtcNow(), ct).ConfigureAwait(false);
        // A signature removed or erased since gets no more emails anyway: saying so would only confirm it existed.
        if (done) logger.LogInformation("A signer of {PetitionId} unsubscribed from updates", petitionId);
        return new UnsubscribeResult(UnsubscribeOutcome.Unsubscribed, petition);
    }

    private async Task<(UnsubscribeOutcome, SignerToken?, Petition?)> ReadTokenAsync(string petitionId, string? token, CancellationToken ct)
    {
        var petition = await petitions.GetAsync(petitionId, ct).ConfigureAwait(false);
        var check = SignerToken.TryRead(hmac, TokenPurpose.Unsubscribe, token, clock.GetUtcNow(), out var read);
        if (petition is null || read is null || read.PetitionId != petitionId || read.Shard < 0 || read.Shard >= signatures.ShardCount
            || !read.RowKey.StartsWith(SignatureStore.SignatureRowPrefix, StringComparison.Ordinal))
            return (UnsubscribeOutcome.Invalid, null, petition);
        return (check == TokenCheck.Expired ? UnsubscribeOutcome.Expired : UnsubscribeOutcome.Ready, read, petition);
    }
}
