using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SignaturePipeline.Email;
using SignaturePipeline.Petitions;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;
using SignaturePipeline.Timers;

namespace SignaturePipeline.Confirmation;

/// <summary>
/// Sends what the signature outbox holds, within the daily caps of <see cref="SignerMailQuota"/> (<see cref="SignatureStore"/>, rows <c>m_…</c>), then deletes the row.
/// <para>Never lost: the outbox row is written in the same transaction as the signature it belongs to (or, for an
/// "already signed" note, keyed by the duplicate's receipt before any send), so a crash anywhere leaves it for the
/// <c>SendSignerEmails</c> sweep. Never duplicated: the idempotency key is the outbox key (<c>{kind}:{receipt}</c>),
/// which the pickup folder and ACS (Operation-Id) turn into a no-op on a second send; a crash between the send and
/// the delete is the one window where plain SMTP could send twice, as for milestones.</para>
/// <para>Never on the counting path: the queue processor only records outbox rows and posts them to the
/// <see cref="SignerMailDispatcher"/>, which calls <see cref="DeliverAsync"/> in the background.</para>
/// </summary>
public sealed class SignerMailer(
    SignatureStore signatures,
    PetitionStore petitions,
    EmailSender email,
    SignerMailQuota quota,
    Hmac hmac,
    TimerRunLog timerRuns,
    IOptions<ConfirmationOptions> options,
    IOptions<PipelineOptions> pipeline,
    TimeProvider clock,
    ILogger<SignerMailer> logger)
{
    /// <summary>The sweep leaves fresh rows to the dispatcher they were posted to, which sends within seconds.</summary>
    public static readonly TimeSpan SweepGrace = TimeSpan.FromMinutes(1);

    public static string IdempotencyKey(OutboxRow outbox) => $"{outbox.Kind}:{outbox.Key}";

    public Uri BaseUrl => new(pipeline.Value.PublicBaseUrlOr(PipelineOptions.LocalHostBaseUrl) + "/");

    public Uri ConfirmLink(string petitionId, int shard, string rowKey)
    {
        var token = new SignerToken(petitionId, shard, rowKey, clock.GetUtcNow().AddHours(options.Value.LinkHours)).Create(hmac, TokenPurpose.Confirm);
        return new Uri(BaseUrl, $"petitions/{petitionId}/confirm?token={token}");
    }

    public Uri RemoveLink(string petitionId, int shard, string rowKey)
    {
        var token = new SignerToken(petitionId, shard, rowKey, clock.GetUtcNow().AddDays(options.Value.RemovalLinkDays)).Create(hmac, TokenPurpose.Remove);
        return new Uri(BaseUrl, $"petitions/{petitionId}/remove?token={token}");
    }

    /// <summary>Sends the named outbox rows now. A failure is logged and left for the sweep; it never fails the caller.</summary>
    public async Task<int> DeliverAsync(IEnumerable<(Petition Petition, int Shard, string OutboxKey)> items, CancellationToken ct)
    {
        var sent = 0;
        foreach (var (petition, shard, key) in items)
        {
            var outbox = await signatures.GetOutboxAsync(petition.Id, shard, key, ct).ConfigureAwait(false);
            if (outbox is not null && await SendAsync(petition, shard, outbox, ct).ConfigureAwait(false)) sent++;
        }
        return sent;
    }

    private async Task<bool> SendAsync(Petition petition, int shard, OutboxRow outbox, CancellationToken ct)
    {
        var key = IdempotencyKey(outbox);
        try
        {
            var verdict = await quota.TakeAsync(petition.Id, outbox, ct).ConfigureAwait(false);
            if (verdict == MailVerdict.PetitionCapped)
            {
                // Owed to a real signer: it waits in the outbox, and the sweep sends it when the next day's cap allows.
                logger.LogWarning("Signer email {IdempotencyKey} waits: petition {PetitionId} reached its daily email cap", key, petition.Id);
                return false;
            }
            if (verdict != MailVerdict.Send)
            {
                // Someone is using the form to mail this address (or from this network): the email is dropped, not postponed.
                logger.LogWarning("Signer email {IdempotencyKey} dropped: {Verdict}", key, verdict);
                await signatures.DeleteOutboxAsync(petition.Id, shard, outbox, ct).ConfigureAwait(false);
                return false;
            }
            var confirm = ConfirmLink(petition.Id, shard, outbox.SignatureRowKey);
            var remove = RemoveLink(petition.Id, shard, outbox.SignatureRowKey);
            var message = outbox.Kind == SignerMailKinds.AlreadySigned
                ? SignerEmails.AlreadySigned(petition, outbox.To, confirm, remove, outbox.Lang)
                : SignerEmails.Confirm(petition, outbox.To, confirm, remove, TimeSpan.FromHours(options.Value.LinkHours), outbox.Lang, outbox.Private);
            await email.SendAsync(message, key, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "Signer email {IdempotencyKey} not sent; the sweep retries it", key);
            return false;
        }
        await signatures.DeleteOutboxAsync(petition.Id, shard, outbox, ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// The <c>SendSignerEmails</c> timer: sends what a crashed or failed send left behind. One partition range
    /// query per shard of each open petition that confirms by email: bounded, never a table scan.
    /// </summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var sent = 0;
        var cutoff = clock.GetUtcNow() - SweepGrace;
        foreach (var petition in (await petitions.ListAsync(ct).ConfigureAwait(false)).Where(p => p.RequireConfirmation))
            for (var shard = 0; shard < signatures.ShardCount; shard++)
                await foreach (var outbox in signatures.ListOutboxAsync(petition.Id, shard, ct).ConfigureAwait(false))
                    if (outbox.CreatedAt <= cutoff && await SendAsync(petition, shard, outbox, ct).ConfigureAwait(false))
                        sent++;
        logger.LogInformation("Signer email sweep sent {Sent} emails", sent);
        await timerRuns.RecordAsync(PipelineTimers.SendSignerEmails, ct).ConfigureAwait(false);
        return sent;
    }
}
