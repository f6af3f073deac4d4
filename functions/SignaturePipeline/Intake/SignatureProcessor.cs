using Microsoft.Extensions.Logging;
using SignaturePipeline.Abuse;
using SignaturePipeline.Confirmation;
using SignaturePipeline.Petitions;
using SignaturePipeline.Receipts;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Intake;

/// <summary>
/// The queue function behind <c>signatures</c>: validate, normalize, de-duplicate, store and count.
/// Safe to run twice on the same message (a crash after the commit, a lease that expired): every write is
/// keyed by the signature or the receipt, so a second run lands on the same rows and counts nothing again.
/// </summary>
public sealed class SignatureProcessor(
    PetitionStore petitions,
    SignatureStore signatures,
    ReceiptStore receipts,
    SignerMailDispatcher mailer,
    DisposableDomains disposable,
    CanonicalEmailRules emailRules,
    ReferralCodes referrals,
    FailureLog failures,
    TimeProvider clock,
    ILogger<SignatureProcessor> logger)
{
    public const string FunctionName = "ProcessSignatures";

    /// <summary>The Functions default (host.json <c>maxDequeueCount</c>): after this many failed tries a message goes to poison.</summary>
    public const int MaxDequeueCount = 5;

    public sealed record Summary(int Counted, int Duplicates, int Rejected);

    public async Task<Summary> ProcessAsync(string messageText, string messageId, long dequeueCount, CancellationToken ct)
    {
        SignatureMessage? message = null;
        try
        {
            message = SignatureMessage.Parse(messageText);
            return await ProcessAsync(message, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await RecordFailureAsync(message, messageId, dequeueCount, e, ct).ConfigureAwait(false);
            throw;
        }
    }

    public async Task<Summary> ProcessAsync(SignatureMessage message, CancellationToken ct)
    {
        var results = new List<Receipt>(message.Items.Count);
        var pending = new List<(QueuedSignature Item, SignatureStore.Pending Row)>();
        var seen = new Dictionary<(string Petition, string RowKey), string>();
        var byId = new Dictionary<string, Petition>(StringComparer.Ordinal);
        var mail = new List<(Petition Petition, int Shard, string OutboxKey)>();

        foreach (var item in message.Items)
        {
            var petition = await petitions.GetAsync(item.PetitionId, ct).ConfigureAwait(false)
                ?? await petitions.ReadAsync(item.PetitionId, ct).ConfigureAwait(false);
            if (petition is null)
            {
                results.Add(new Receipt(item.ReceiptId, item.PetitionId, ReceiptStatus.Rejected, ReasonCodes.PetitionNotFound, null, "This petition does not exist."));
                continue;
            }
            if (!petition.IsOpen)
            {
                results.Add(new Receipt(item.ReceiptId, item.PetitionId, ReceiptStatus.Rejected, ReasonCodes.PetitionClosed, null, "This petition is no longer collecting signatures."));
                continue;
            }
            var errors = SignatureRules.Validate(item.Signature, out var valid, emailRules);
            if (errors.Count > 0)
            {
                var first = errors[0];
                results.Add(new Receipt(item.ReceiptId, item.PetitionId, ReceiptStatus.Rejected, first.Code, first.Field, first.Message,
                    State: UsStates.TryNormalize(item.Signature.State, out var s) ? s : null));
                continue;
            }
            byId[petition.Id] = petition;
            // A message may come from anywhere: a referrer code counts only if this deployment issued it.
            valid = valid! with { Sources = valid.Sources?.KeepingIssuedReferrer(referrals.IsIssued) };
            var (shard, rowKey) = signatures.KeyOf(item.PetitionId, valid!.CanonicalEmail);
            var flag = item.Flag ?? (disposable.IsDisposable(valid.Email) ? AbuseFlags.DisposableEmail : null);
            // Two signatures of one person in one message would put one row key twice in a transaction, which Azure refuses.
            if (!seen.TryAdd((item.PetitionId, rowKey), item.ReceiptId))
            {
                results.Add(await DuplicateAsync(petition, item with { Flag = flag }, valid, shard, rowKey, mail, ct).ConfigureAwait(false));
                continue;
            }
            // Held signatures are stored (organizers review them) but not counted, and get no email until an organizer
            // releases them: otherwise anyone could make the form mail any address, as often as they post.
            var status = flag is not null ? SignatureRowStatus.Suspicious
                : petition.RequireConfirmation ? SignatureRowStatus.Pending : SignatureRowStatus.Counted;
            var mailKind = petition.RequireConfirmation && flag is null ? SignerMailKinds.Confirm : null;
            pending.Add((item with { Flag = flag }, new SignatureStore.Pending(item.ReceiptId, valid, item.ReceivedAt, shard, rowKey, status, mailKind)
            {
                Flag = flag,
                IpHash = item.IpHash,
                Lang = item.Signature.Lang,
            }));
        }

        var commits = pending
            .GroupBy(p => (p.Item.PetitionId, p.Row.Shard))
            .Select(g => signatures.CommitShardAsync(g.Key.PetitionId, g.Key.Shard, g.Select(p => p.Row).ToList(), ct));
        var outcomes = (await Task.WhenAll(commits).ConfigureAwait(false))
            .SelectMany(d => d)
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

        foreach (var petitionGroup in pending.GroupBy(p => p.Item.PetitionId))
        {
            var petition = byId[petitionGroup.Key];
            // A held signature on a petition without confirmation gets a supporter number like any other: the answer must not differ.
            var counted = petitionGroup.Where(p => outcomes[p.Item.ReceiptId] != SignatureStore.CommitOutcome.Duplicate && !petition.RequireConfirmation).ToList();
            // The supporter number is the petition's count as this processor saw it right after the commit;
            // under concurrent processors it is close to, not exactly, the signer's place in line.
            var total = counted.Count == 0 ? 0 : await signatures.ObservedTotalAsync(petitionGroup.Key, ct).ConfigureAwait(false);
            var position = total - counted.Count;
            foreach (var (item, row) in petitionGroup)
            {
                if (outcomes[item.ReceiptId] == SignatureStore.CommitOutcome.Duplicate)
                    results.Add(await DuplicateAsync(petition, item, row.Signature, row.Shard, row.RowKey, mail, ct).ConfigureAwait(false));
                else if (petition.RequireConfirmation)
                {
                    results.Add(new Receipt(item.ReceiptId, item.PetitionId, ReceiptStatus.PendingConfirmation, State: row.Signature.State));
                    if (row.MailKind is not null) mail.Add((petition, row.Shard, item.ReceiptId));
                }
                else
                    results.Add(new Receipt(item.ReceiptId, item.PetitionId, ReceiptStatus.Counted, SupporterNumber: ++position, State: row.Signature.State));
            }
        }

        await receipts.WriteAsync(results, ct).ConfigureAwait(false);
        // After the commit and the receipts: the outbox rows are durable. The dispatcher sends in the background, so
        // the email service's speed never holds this message; what it cannot send, the sweep does.
        if (mail.Count > 0) mailer.Post(mail);
        var summary = new Summary(
            results.Count(r => r.Status == ReceiptStatus.Counted),
            results.Count(r => r.Status == ReceiptStatus.Duplicate),
            results.Count(r => r.Status == ReceiptStatus.Rejected));
        logger.LogInformation("Processed {Items} signatures: {Counted} counted, {Duplicates} duplicates, {Rejected} rejected",
            message.Items.Count, summary.Counted, summary.Duplicates, summary.Rejected);
        return summary;
    }

    /// <summary>
    /// On a confirmation petition a duplicate looks pending to the form (it must not tell whether someone signed) and the
    /// address gets an "already signed" note instead, at most one per signature per
    /// <see cref="ConfirmationOptions.AlreadySignedNoteInterval"/> and none for a held duplicate; organizers still see it
    /// recorded as a duplicate. The note's time is recorded on the signature row (under its ETag, so concurrent duplicates
    /// cannot both win), then the note in the outbox under the duplicate's own receipt (409 = already recorded by an
    /// earlier try), before anything is sent. Other details for a row that does not count are offered as its replacement
    /// instead (<see cref="SignatureStore.OfferReplacementAsync"/>), with a confirmation email of their own.
    /// </summary>
    private async Task<Receipt> DuplicateAsync(Petition petition, QueuedSignature item, ValidSignature valid, int shard, string rowKey,
        List<(Petition, int, string)> mail, CancellationToken ct)
    {
        if (!petition.RequireConfirmation || item.Flag == AbuseFlags.Honeypot) return Duplicate(item, valid);
        var pending = new Receipt(item.ReceiptId, item.PetitionId, ReceiptStatus.PendingConfirmation, State: valid.State) { Recorded = ReceiptStatus.Duplicate };
        if (item.Flag is not null) return pending;
        var now = clock.GetUtcNow();
        // Nobody squats a place: a submission for a row that does not count (other details than a pending row, or any
        // for a held or removed one) waits as a replacement, which takes the row's place when the mailbox's owner confirms it.
        if (await signatures.GetRowAsync(petition.Id, shard, rowKey, ct).ConfigureAwait(false) is { } existing
            && SignatureStore.IsReplaceable(existing) && (existing.Status != SignatureRowStatus.Pending || SignatureStore.DiffersFrom(existing, valid)))
        {
            var offer = new SignatureStore.Pending(item.ReceiptId, valid, item.ReceivedAt, shard, rowKey, SignatureRowStatus.Pending, SignerMailKinds.Confirm)
            {
                IpHash = item.IpHash,
                Lang = item.Signature.Lang,
            };
            if (await signatures.OfferReplacementAsync(petition.Id, shard, offer, ct).ConfigureAwait(false) is { } outboxKey)
                mail.Add((petition, shard, outboxKey));
            return pending;
        }
        var ours = false;
        var noted = await signatures.TransitionAsync(petition.Id, shard, rowKey, row =>
        {
            // An earlier try of this very message already took the note's place: record the outbox row again (409 if it exists).
            ours = row.LastNoteReceipt == item.ReceiptId;
            if (ours || row.Status == SignatureRowStatus.Removed) return null;
            return row.LastNoteAt is { } at && now - at < ConfirmationOptions.AlreadySignedNoteInterval ? null : RowChange.Noted(row.Status, item.ReceiptId, now);
        }, ct).ConfigureAwait(false);
        if (noted.Outcome != TransitionOutcome.Changed && !ours) return pending;
        await signatures.AddOutboxAsync(petition.Id, shard,
            new OutboxRow(item.ReceiptId, SignerMailKinds.AlreadySigned, item.ReceiptId, rowKey, valid.Email, item.Signature.Lang, now) { IpHash = item.IpHash }, ct).ConfigureAwait(false);
        mail.Add((petition, shard, item.ReceiptId));
        return pending;
    }

    private static Receipt Duplicate(QueuedSignature item, ValidSignature valid) =>
        new(item.ReceiptId, item.PetitionId, ReceiptStatus.Duplicate, "duplicate", "email", "This email address has already signed this petition.", State: valid.State);

    /// <summary>
    /// What a poisoned receipt tells the signer. Fixed: exception text can name hosts, keys or internals, and belongs to
    /// operators, who find it in the failure row beside the same reason code.
    /// </summary>
    public const string PoisonedMessage = "This signature could not be processed and was not counted. Please sign again later.";

    /// <summary>
    /// Records the failure in the <see cref="FailureLog"/>. On the last try, the message's receipts are marked poisoned with that error, so no receipt stays pending forever.
    /// </summary>
    private async Task RecordFailureAsync(SignatureMessage? message, string messageId, long dequeueCount, Exception error, CancellationToken ct)
    {
        var reason = error is InvalidMessageException invalid ? invalid.Code : "processing_failed";
        var detail = error.Message.Length > 1000 ? error.Message[..1000] : error.Message;
        var lastTry = dequeueCount >= MaxDequeueCount;
        logger.LogWarning(error, "Signature message {MessageId} failed on try {DequeueCount}: {Reason}", messageId, dequeueCount, reason);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await failures.RecordAsync(messageId, dequeueCount, reason, detail, error, message?.Items.Select(i => i.ReceiptId), lastTry, ct).ConfigureAwait(false);
                if (lastTry && message is not null)
                    await receipts.WriteAsync(
                        message.Items.Select(i => new Receipt(i.ReceiptId, i.PetitionId, ReceiptStatus.Poisoned, reason, null, PoisonedMessage)).ToList(), ct).ConfigureAwait(false);
                return;
            }
            catch (Exception recordError) when (recordError is not OperationCanceledException)
            {
                // Storage may be what failed. Before the last try the message comes back and records again. After the
                // last, the host moves it to poison whether or not this was written, and nothing would ever mark its
                // receipts: so wait for storage (the move needs it too) rather than leave them pending for good.
                if (!lastTry || waited.Elapsed >= LastTryRecordPatience)
                {
                    logger.LogWarning(recordError, "Could not record the failure of message {MessageId}", messageId);
                    return;
                }
                logger.LogWarning("Could not record the failure of message {MessageId} on its last try (attempt {Attempt}): {Error}; retrying",
                    messageId, attempt, recordError.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(10, attempt)), ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// How long the last try waits for storage to record the poisoning. Well inside the local host's processing lease
    /// (10 minutes) and the Functions timeout. An outage of the account longer than this most likely fails the host's
    /// move to poison as well, and then the message comes back for another last try.
    /// </summary>
    public static readonly TimeSpan LastTryRecordPatience = TimeSpan.FromMinutes(2);
}
