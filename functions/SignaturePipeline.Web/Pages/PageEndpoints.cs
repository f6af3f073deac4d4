using Microsoft.AspNetCore.Http;
using SignaturePipeline.Petitions;
using SignaturePipeline.Receipts;
using SignaturePipeline.Signatures;
using SignaturePipeline.Web.Http;

namespace SignaturePipeline.Web.Pages;

/// <summary>The public pages: the petition with its plain form, and the thank-you page a form post lands on.</summary>
public sealed class PageEndpoints(PetitionStore petitions, SignatureStore signatures, ReceiptStore receipts)
{
    public async Task<IResult> PetitionAsync(string petitionId, CancellationToken ct)
    {
        var petition = await petitions.GetAsync(petitionId, ct).ConfigureAwait(false);
        if (petition is null) return NotFound();
        var counts = await signatures.GetCountsAsync(petition.Id, ct).ConfigureAwait(false);
        return PetitionPage.Render(petition, counts.Total);
    }

    public async Task<IResult> ThankYouAsync(string petitionId, string? receiptId, int? check, CancellationToken ct)
    {
        var petition = await petitions.GetAsync(petitionId, ct).ConfigureAwait(false);
        if (petition is null) return NotFound();
        if (receiptId is null || !receipts.IsIssued(receiptId)) return ThankYouPage.Render(petition, null, null, 0);
        var receipt = await receipts.GetAsync(receiptId, ct).ConfigureAwait(false);
        // A receipt from another petition says nothing about this one; the page then just thanks.
        if (receipt is not null && receipt.PetitionId.Length > 0 && receipt.PetitionId != petition.Id) receipt = null;
        return ThankYouPage.Render(petition, receiptId, receipt, Math.Clamp(check ?? 0, 0, ThankYouPage.MaxChecks));
    }

    public static IResult NotFound() =>
        HtmlPages.Message("Petition not found", "Petition not found", "There is no petition at this address. Check the link.", StatusCodes.Status404NotFound);
}
