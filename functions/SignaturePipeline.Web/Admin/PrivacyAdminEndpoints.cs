using Microsoft.AspNetCore.Http;
using SignaturePipeline.Abuse;
using SignaturePipeline.Petitions;
using SignaturePipeline.Privacy;
using SignaturePipeline.Web.Http;

namespace SignaturePipeline.Web.Admin;

/// <summary>Organizers' routes for held signatures, invalidation, erasure, export and anonymisation. All behind the admin key.</summary>
public sealed class PrivacyAdminEndpoints(ReviewHandlers review, PrivacyHandlers privacy, PetitionStore petitions)
{
    private const int MaxBodyBytes = 512 * 1024;

    public sealed record IdsBody(List<string>? Ids, bool All, string? Reason);

    public sealed record EraseBody(string? Email);

    public async Task<IResult> ListHeldAsync(string petitionId, int? limit, CancellationToken ct)
    {
        var list = await review.ListHeldAsync(petitionId, Math.Clamp(limit ?? 1000, 1, ReviewHandlers.MaxPerCall), ct).ConfigureAwait(false);
        return list is null ? Problems.PetitionNotFound() : Results.Json(list, Json.Options);
    }

    public async Task<IResult> ReleaseAsync(HttpRequest request, string petitionId, CancellationToken ct)
    {
        var (body, error) = await JsonBody.ReadAsync<IdsBody>(request, MaxBodyBytes, ct).ConfigureAwait(false);
        return error ?? Map(await review.ReleaseAsync(petitionId, body!.Ids, body.All, ct).ConfigureAwait(false));
    }

    public async Task<IResult> InvalidateHeldAsync(HttpRequest request, string petitionId, CancellationToken ct)
    {
        var (body, error) = await JsonBody.ReadAsync<IdsBody>(request, MaxBodyBytes, ct).ConfigureAwait(false);
        return error ?? Map(await review.InvalidateHeldAsync(petitionId, body!.Ids, body.All, body.Reason, ct).ConfigureAwait(false));
    }

    public async Task<IResult> InvalidateByRuleAsync(HttpRequest request, string petitionId, CancellationToken ct)
    {
        var (body, error) = await JsonBody.ReadAsync<InvalidationRule>(request, MaxBodyBytes, ct).ConfigureAwait(false);
        return error ?? Map(await review.InvalidateByRuleAsync(petitionId, body!, ct).ConfigureAwait(false));
    }

    public async Task<IResult> RevertInvalidationAsync(string petitionId, string invalidationId, CancellationToken ct) =>
        Map(await review.RevertAsync(petitionId, invalidationId, ct).ConfigureAwait(false));

    public async Task<IResult> EraseAsync(HttpRequest request, string petitionId, CancellationToken ct)
    {
        var (body, error) = await JsonBody.ReadAsync<EraseBody>(request, MaxBodyBytes, ct).ConfigureAwait(false);
        if (error is not null) return error;
        var outcome = await privacy.EraseAsync(petitionId, body!.Email, ct).ConfigureAwait(false);
        return outcome switch
        {
            ErasureOutcome.PetitionNotFound => Problems.PetitionNotFound(),
            ErasureOutcome.EmailInvalid => Problems.Validation([new("email", "email_invalid", "Give the email address the signer signed with.")]),
            // Found or not, the answer names no one: it only says what was done.
            _ => Results.Json(new { outcome = outcome switch { ErasureOutcome.Removed => "removed", ErasureOutcome.AlreadyRemoved => "already_removed", _ => "not_found" } }, Json.Options),
        };
    }

    /// <summary>Streams the CSV: the table query writes straight into the response, page by page.</summary>
    public async Task<IResult> ExportAsync(string petitionId, CancellationToken ct)
    {
        if (await petitions.ReadAsync(petitionId, ct).ConfigureAwait(false) is null) return Problems.PetitionNotFound();
        return new SignersCsv(petitionId, (output, ct) => privacy.ExportAsync(petitionId, output, ct));
    }

    public async Task<IResult> AnonymiseAsync(string petitionId, CancellationToken ct) =>
        await privacy.AnonymiseClosedAsync(petitionId, ct).ConfigureAwait(false) switch
        {
            AnonymiseOutcome.Done done => Results.Json(new { anonymised = done.Anonymised }, Json.Options),
            AnonymiseOutcome.PetitionOpen => Problems.Create(StatusCodes.Status409Conflict, "petition_open", "The petition is open",
                "Close the petition (status closed or won) before anonymising its signers: an open petition still needs them."),
            _ => Problems.PetitionNotFound(),
        };

    private static IResult Map(ReviewResult result) => result switch
    {
        ReviewResult.Done done => Results.Json(done.Report, Json.Options),
        ReviewResult.Ruled ruled => Results.Json(ruled.Report, Json.Options),
        ReviewResult.PetitionNotFound => Problems.PetitionNotFound(),
        ReviewResult.InvalidationNotFound => Problems.Create(StatusCodes.Status404NotFound, "invalidation_not_found", "Invalidation not found",
            "This petition has no invalidation with that id. Use the invalidationId a rule's answer gave."),
        ReviewResult.Invalid invalid => Problems.Validation(invalid.Errors),
        _ => throw new InvalidOperationException(),
    };
}
