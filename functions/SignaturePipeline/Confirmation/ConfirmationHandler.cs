using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SignaturePipeline.Deliveries;
using SignaturePipeline.Petitions;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Confirmation;

/// <summary>What a signer's link led to. Hosts render each as a page.</summary>
public enum LinkOutcome
{
    /// <summary>The token is good: show the button (a GET never changes anything).</summary>
    Ready,
    Confirmed,
    AlreadyConfirmed,
    /// <summary>The address is confirmed, but the signature is held for the organizers' review: it does not count (yet).</summary>
    ConfirmedHeld,
    Removed,
    AlreadyRemoved,
    Expired,
    Invalid,
    ResendSent,
    ResendLimited,
}

public sealed record LinkResult(LinkOutcome Outcome, Petition? Petition, string? Token = null);

/// <summary>
/// The signer's links: confirm (POST only), ask for a fresh confirmation email, remove. Tokens are checked by HMAC
/// alone; the only table work is the one row the token names.
/// </summary>
public sealed class ConfirmationHandler(
    PetitionStore petitions,
    SignatureStore signatures,
    SignerMailer mailer,
    DeliveryCompiler deliveries,
    Hmac hmac,
    IOptions<ConfirmationOptions> options,
    TimeProvider clock,
    ILogger<ConfirmationHandler> logger)
{
    /// <summary>For the GET page: is the token ours, unexpired, and for this petition? Reads only the (cached) petition.</summary>
    public async Task<LinkResult> CheckAsync(string petitionId, string? token, TokenPurpose purpose, CancellationToken ct)
    {
        var (check, _, petition) = await ReadAsync(petitionId, token, purpose, ct).ConfigureAwait(false);
        return new LinkResult(check switch { TokenCheck.Valid => LinkOutcome.Ready, TokenCheck.Expired => LinkOutcome.Expired, _ => LinkOutcome.Invalid }, petition, token);
    }

    /// <summary>
    /// Confirms: a pending row becomes counted, with the counter, in one transaction (see <see cref="SignatureStore.TransitionAsync"/>).
    /// A second confirmation finds it counted and changes nothing. A held row records the confirmation but stays held for the
    /// organizers, and the signer is told so: a page saying "counted" about a row that does not count would hide that
    /// someone else's submission (a squat caught by the honeypot, say) holds their place.
    /// </summary>
    public async Task<LinkResult> ConfirmAsync(string petitionId, string? token, CancellationToken ct)
    {
        var (check, read, petition) = await ReadAsync(petitionId, token, TokenPurpose.Confirm, ct).ConfigureAwait(false);
        if (check == TokenCheck.Expired) return new LinkResult(LinkOutcome.Expired, petition, token);
        if (check != TokenCheck.Valid) return new LinkResult(LinkOutcome.Invalid, petition);
        var now = clock.GetUtcNow();
        // A later submission's link: confirming it puts it in the place of the row it replaces (see SignatureStore.Replacements.cs).
        var replacement = SignatureStore.IsReplacementKey(read!.RowKey);
        var result = replacement
            ? await signatures.AdoptReplacementAsync(read.PetitionId, read.Shard, read.RowKey, now, ct).ConfigureAwait(false)
            : await signatures.TransitionAsync(read.PetitionId, read.Shard, read.RowKey, row => row.Status switch
            {
                SignatureRowStatus.Pending => RowChange.Confirm(SignatureRowStatus.Counted, now),
                SignatureRowStatus.Suspicious or SignatureRowStatus.Invalidated when !row.Confirmed => RowChange.Confirm(row.Status, now),
                _ => null,
            }, ct).ConfigureAwait(false);
        var outcome = result switch
        {
            { Outcome: TransitionOutcome.NotFound } => LinkOutcome.Invalid,
            { Outcome: TransitionOutcome.Changed } when replacement => LinkOutcome.Confirmed,
            { From: SignatureRowStatus.Removed } => LinkOutcome.AlreadyRemoved,
            { To: SignatureRowStatus.Suspicious or SignatureRowStatus.Invalidated } => LinkOutcome.ConfirmedHeld,
            { Outcome: TransitionOutcome.Changed } => LinkOutcome.Confirmed,
            _ => LinkOutcome.AlreadyConfirmed,
        };
        logger.LogInformation("Confirmation of {PetitionId} shard {Shard}: {Outcome}", read.PetitionId, read.Shard, outcome);
        return new LinkResult(outcome, petition);
    }

    /// <summary>
    /// A fresh confirmation email for an expired link. Rate-limited on the row itself (ETag-guarded): at most
    /// <see cref="ConfirmationOptions.MaxResends"/>, at least <see cref="ConfirmationOptions.ResendMinimumMinutes"/> apart,
    /// so the page cannot be used to flood someone's inbox. The email goes only to the address stored with the signature.
    /// </summary>
    public async Task<LinkResult> ResendAsync(string petitionId, string? token, CancellationToken ct)
    {
        var (check, read, petition) = await ReadAsync(petitionId, token, TokenPurpose.Confirm, ct).ConfigureAwait(false);
        if (check == TokenCheck.Invalid) return new LinkResult(LinkOutcome.Invalid, petition);
        var now = clock.GetUtcNow();
        var o = options.Value;
        var resends = 0;
        SignatureRow? target = null;
        var result = await signatures.TransitionAsync(read!.PetitionId, read.Shard, read.RowKey, row =>
        {
            target = row;
            // A held row gets no email until an organizer releases it, not even through a link it was sent before.
            if (row.Status != SignatureRowStatus.Pending || row.Confirmed || row.Email is null) return null;
            resends = row.Resends;
            if (resends >= o.MaxResends || row.LastResendAt is { } at && now - at < TimeSpan.FromMinutes(o.ResendMinimumMinutes)) return null;
            return RowChange.Resent(row.Status, resends + 1, now);
        }, ct).ConfigureAwait(false);
        if (result.Outcome == TransitionOutcome.NotFound) return new LinkResult(LinkOutcome.Invalid, petition);
        if (result.Outcome == TransitionOutcome.Unchanged)
            return new LinkResult(result.From is SignatureRowStatus.Counted || target?.Confirmed == true ? LinkOutcome.AlreadyConfirmed
                : result.From is SignatureRowStatus.Removed ? LinkOutcome.AlreadyRemoved : LinkOutcome.ResendLimited, petition);

        var key = $"{target!.ReceiptId}_r{resends + 1}";
        await signatures.AddOutboxAsync(read.PetitionId, read.Shard,
            new OutboxRow(key, SignerMailKinds.Confirm, target.ReceiptId ?? "", read.RowKey, target.Email!, target.Lang, now) { Private = target.Private }, ct).ConfigureAwait(false);
        await mailer.DeliverAsync([(petition!, read.Shard, key)], ct).ConfigureAwait(false);
        return new LinkResult(LinkOutcome.ResendSent, petition);
    }

    /// <summary>
    /// The signer's removal link (POST): the signature leaves the count, its personal data is deleted, and stored deliveries
    /// that listed it are compiled again without it.
    /// </summary>
    public async Task<LinkResult> RemoveAsync(string petitionId, string? token, CancellationToken ct)
    {
        var (check, read, petition) = await ReadAsync(petitionId, token, TokenPurpose.Remove, ct).ConfigureAwait(false);
        if (check == TokenCheck.Expired) return new LinkResult(LinkOutcome.Expired, petition);
        if (check != TokenCheck.Valid) return new LinkResult(LinkOutcome.Invalid, petition);
        if (SignatureStore.IsReplacementKey(read!.RowKey))
        {
            var withdrawn = await signatures.WithdrawReplacementAsync(read.PetitionId, read.Shard, read.RowKey, ct).ConfigureAwait(false);
            return new LinkResult(withdrawn == TransitionOutcome.Changed ? LinkOutcome.Removed : LinkOutcome.AlreadyRemoved, petition);
        }
        var result = await signatures.RemoveAsync(read.PetitionId, read.Shard, read.RowKey, "signer_request", clock.GetUtcNow(), ct).ConfigureAwait(false);
        if (result.UnlistedCountedAt is { } countedAt)
            await deliveries.RedactAsync(read.PetitionId, countedAt, result.UnlistedState, ct).ConfigureAwait(false);
        return new LinkResult(result.Outcome switch
        {
            TransitionOutcome.Changed => LinkOutcome.Removed,
            TransitionOutcome.Unchanged => LinkOutcome.AlreadyRemoved,
            _ => LinkOutcome.Invalid,
        }, petition);
    }

    private async Task<(TokenCheck Check, SignerToken? Token, Petition? Petition)> ReadAsync(string petitionId, string? token, TokenPurpose purpose, CancellationToken ct)
    {
        var petition = await petitions.GetAsync(petitionId, ct).ConfigureAwait(false);
        var check = SignerToken.TryRead(hmac, purpose, token, clock.GetUtcNow(), out var read);
        if (petition is null || read is null || read.PetitionId != petitionId || read.Shard < 0 || read.Shard >= signatures.ShardCount)
            return (TokenCheck.Invalid, null, petition);
        return (check, read, petition);
    }
}
