using Microsoft.Extensions.Logging;
using SignaturePipeline.Petitions;

namespace SignaturePipeline.Signatures;

/// <summary>What intake decided. Hosts map these to HTTP; nothing here knows about HTTP.</summary>
public abstract record SubmitResult
{
    private SubmitResult() { }

    public sealed record Accepted(string ReceiptId, Petition Petition) : SubmitResult;
    public sealed record Invalid(IReadOnlyList<FieldError> Errors, Petition? Petition) : SubmitResult;
    public sealed record PetitionNotFound(string PetitionId) : SubmitResult;
    public sealed record PetitionClosed(Petition Petition) : SubmitResult;
    public sealed record Unavailable : SubmitResult;
}

/// <summary>
/// The HTTP function's work: cheap checks against a cached petition, then a durable enqueue.
/// No table is read or written per request; the queue processor does the storing and counting.
/// </summary>
public sealed class SubmitSignatureHandler(PetitionStore petitions, SignatureEnqueuer queue, TimeProvider clock, ILogger<SubmitSignatureHandler> logger)
{
    public const string FunctionName = "SubmitSignature";

    public async Task<SubmitResult> SubmitAsync(string petitionId, SignatureInput input, CancellationToken ct)
    {
        var petition = await petitions.GetAsync(petitionId, ct).ConfigureAwait(false);
        if (petition is null) return new SubmitResult.PetitionNotFound(petitionId);
        if (!petition.IsOpen) return new SubmitResult.PetitionClosed(petition);

        var errors = SignatureRules.Validate(input, out var valid);
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
        };
        try
        {
            var receiptId = await queue.EnqueueAsync(petitionId, normalized, clock.GetUtcNow()).WaitAsync(ct).ConfigureAwait(false);
            return new SubmitResult.Accepted(receiptId, petition);
        }
        catch (QueueUnavailableException e)
        {
            logger.LogWarning(e, "Signature for {PetitionId} refused: queue unavailable", petitionId);
            return new SubmitResult.Unavailable();
        }
    }
}
