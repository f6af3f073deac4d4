using Microsoft.AspNetCore.Http;
using SignaturePipeline.Petitions;
using SignaturePipeline.Receipts;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;
using Microsoft.Extensions.Options;
using SignaturePipeline.Updates;
using SignaturePipeline.Web.Http;

namespace SignaturePipeline.Web.Pages;

/// <summary>The public pages: the petition with its plain form, and the thank-you page a form post lands on.</summary>
public sealed class PageEndpoints(PetitionStore petitions, PetitionCountCache counts, ReceiptStore receipts, ReferralCodes referrals, IOptions<PipelineOptions> options,
    UpdateHandlers updates)
{
    public async Task<IResult> PetitionAsync(HttpRequest request, string petitionId, CancellationToken ct)
    {
        var language = PageLanguage.Of(request);
        var petition = await petitions.GetAsync(petitionId, ct).ConfigureAwait(false);
        if (petition is null) return NotFound(language);
        var counted = await counts.GetAsync(petition.Id, ct).ConfigureAwait(false);
        var news = await updates.PublicAsync(petition.Id, ct).ConfigureAwait(false);
        // A visitor from a campaign or a shared link: the form carries where they came from.
        var from = Intake.FormValues.SourcesOf(name => request.Query.TryGetValue(name, out var value) ? value.ToString() : null);
        return PetitionPage.Render(petition, counted.Total, language, from is null ? null : new SignatureInput { Sources = from }, updates: news);
    }

    public async Task<IResult> ThankYouAsync(HttpRequest request, string petitionId, string? receiptId, int? check, CancellationToken ct)
    {
        var language = PageLanguage.Of(request);
        var petition = await petitions.GetAsync(petitionId, ct).ConfigureAwait(false);
        if (petition is null) return NotFound(language);
        if (receiptId is null || !receipts.IsIssued(receiptId)) return ThankYouPage.Render(petition, null, null, 0, language);
        // Set by the form post's redirect (see SignatureEndpoints): only the page's wording depends on it.
        var isPrivate = request.Query.TryGetValue(ThankYouPage.PrivateParameter, out var flag) && flag == "1";
        var receipt = await receipts.GetAsync(receiptId, ct).ConfigureAwait(false);
        // A receipt from another petition says nothing about this one; the page then just thanks.
        if (receipt is not null && receipt.PetitionId.Length > 0 && receipt.PetitionId != petition.Id) receipt = null;
        // Share links point to the petition's own page here: this page cannot know where an organizer embedded the form.
        var share = new ThankYouPage.Share($"{options.Value.PublicBaseUrlOr($"{request.Scheme}://{request.Host}")}/petitions/{Uri.EscapeDataString(petition.Id)}", referrals.Of(receiptId));
        return ThankYouPage.Render(petition, receiptId, receipt, Math.Clamp(check ?? 0, 0, ThankYouPage.MaxChecks), language, isPrivate, share);
    }

    public static IResult NotFound(PageLanguage language) =>
        HtmlPages.Message(language.Strings.NotFound, language.Strings.NotFound, language.Strings.NotFoundText, StatusCodes.Status404NotFound,
            lang: language.Strings.Lang, varyByLanguage: language.Negotiated);
}
