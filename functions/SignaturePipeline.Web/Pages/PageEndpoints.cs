using Microsoft.AspNetCore.Http;
using SignaturePipeline.Petitions;
using SignaturePipeline.Receipts;
using SignaturePipeline.Updates;
using SignaturePipeline.Web.Http;

namespace SignaturePipeline.Web.Pages;

/// <summary>The public pages: the petition with its plain form, and the thank-you page a form post lands on.</summary>
public sealed class PageEndpoints(PetitionStore petitions, PetitionCountCache counts, ReceiptStore receipts, UpdateHandlers updates)
{
    public async Task<IResult> PetitionAsync(HttpRequest request, string petitionId, CancellationToken ct)
    {
        var language = PageLanguage.Of(request);
        var petition = await petitions.GetAsync(petitionId, ct).ConfigureAwait(false);
        if (petition is null) return NotFound(language);
        var counted = await counts.GetAsync(petition.Id, ct).ConfigureAwait(false);
        var news = await updates.PublicAsync(petition.Id, ct).ConfigureAwait(false);
        return PetitionPage.Render(petition, counted.Total, language, updates: news);
    }

    public async Task<IResult> ThankYouAsync(HttpRequest request, string petitionId, string? receiptId, int? check, CancellationToken ct)
    {
        var language = PageLanguage.Of(request);
        var petition = await petitions.GetAsync(petitionId, ct).ConfigureAwait(false);
        if (petition is null) return NotFound(language);
        if (receiptId is null || !receipts.IsIssued(receiptId)) return ThankYouPage.Render(petition, null, null, 0, language);
        var receipt = await receipts.GetAsync(receiptId, ct).ConfigureAwait(false);
        // A receipt from another petition says nothing about this one; the page then just thanks.
        if (receipt is not null && receipt.PetitionId.Length > 0 && receipt.PetitionId != petition.Id) receipt = null;
        return ThankYouPage.Render(petition, receiptId, receipt, Math.Clamp(check ?? 0, 0, ThankYouPage.MaxChecks), language);
    }

    public static IResult NotFound(PageLanguage language) =>
        HtmlPages.Message(language.Strings.NotFound, language.Strings.NotFound, language.Strings.NotFoundText, StatusCodes.Status404NotFound,
            lang: language.Strings.Lang, varyByLanguage: language.Negotiated);
}
