using Microsoft.Extensions.Logging;
using SignaturePipeline.Abuse;
using SignaturePipeline.Petitions;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Intake;

/// <summary>What intake decided. Hosts map these to HTTP; nothing here knows about HTTP.</summary>
public abstract record SubmitResult
{
    private SubmitResult() { }

    public sealed record Accepted(string ReceiptId, Petition Petition) : SubmitResult
    {
        /// <summary>The signer's referral code, for the share links offered after signing (<see cref="ReferralCodes"/>).</summary>
        public string? ReferralCode { get; init; }
    }
    public sealed record Invalid(IReadOnlyList<FieldError> Errors, Petition? Petition) : SubmitResult;
    public sealed record PetitionNotFound(string PetitionId) : SubmitResult;
    public sealed record PetitionClosed(Petition Petition) : SubmitResult;
    public sealed record Unavailable : SubmitResult;
}

/// <summary>
/// The HTTP function's work: cheap checks against a cached petition, then a durable enqueue.
/// No table is read or written per request; the queue processor does the storing and counting.
/// </summary>
public sealed class SubmitSignatureHandler(
    PetitionStore petitions,
    SignatureEnqueuer queue,
    AbuseGuard guard,
    CaptchaVerifier captcha,
    CanonicalEmailRules emailRules,
    ReferralCodes referrals,
    TimeProvider clock,
    ILogger<SubmitSignatureHandler> logger)
{
    public const string FunctionName = "SubmitSignature";

    /// <summary>
    /// Held signatures (over a rate limit, a honeypot hit, a failed captcha) get exactly the answer a good one gets;
    /// only the flag that travels with them differs, and the processor keeps them out of the count.
    /// </summary>
    public async Task<SubmitResult> SubmitAsync(string petitionId, SignatureInput input, SignerContext signer, CancellationToken ct)
    {
        var petition = await petitions.GetAsync(petitionId, ct).ConfigureAwait(false);
        if (petition is null) return new SubmitResult.PetitionNotFound(petitionId);
        if (!petition.IsOpen) return new SubmitResult.PetitionClosed(petition);

        var errors = SignatureRules.Validate(input, out var valid, emailRules);
        if (errors.Count > 0) return new SubmitResult.Invalid(errors, petition);

        // The normalized fields travel, so the processor re-validates exactly what intake accepted.
        var normalized = new SignatureInput
        {
            FirstName = valid!.FirstName,
            LastName = valid.LastName,
            Email = valid.Email,
            PostalCode = valid.PostalCode,
            State = valid.State,
            City = valid.City,
            Country = valid.Country,
            Comment = valid.Comment,
            OptIn = valid.OptIn,
            Private = valid.Private,
            Lang = SignerLanguage.Normalize(input.Lang),
            Sources = valid.Sources?.KeepingIssuedReferrer(referrals.IsIssued),
        };
        // Rate limits count only what would otherwise be accepted; a honeypot or captcha verdict outranks them.
        var flag = guard.Check(petitionId, signer.ClientIp);
        if (!string.IsNullOrEmpty(input.Website)) flag = AbuseFlags.Honeypot;
        else if (captcha.Enabled && !await captcha.VerifyAsync(input.CaptchaResponse ?? signer.CaptchaResponse, signer.ClientIp, petition.AllowedOrigins, ct).ConfigureAwait(false)) flag = AbuseFlags.CaptchaFailed;
        if (flag is not null) logger.LogInformation("Signature for {PetitionId} held: {Flag}", petitionId, flag);
        try
        {
            var receiptId = await queue.EnqueueAsync(petitionId, normalized, clock.GetUtcNow(), flag, guard.IpHash(signer.ClientIp)).WaitAsync(ct).ConfigureAwait(false);
            return new SubmitResult.Accepted(receiptId, petition) { ReferralCode = referrals.Of(receiptId) };
        }
        catch (QueueUnavailableException e)
        {
            logger.LogWarning(e, "Signature for {PetitionId} refused: queue unavailable", petitionId);
            return new SubmitResult.Unavailable();
        }
    }
}
