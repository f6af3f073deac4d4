using System.Text;
using Microsoft.AspNetCore.Http;
using SignaturePipeline.Confirmation;
using SignaturePipeline.Web.Http;
using SignaturePipeline.Web.Pages;
using static SignaturePipeline.Web.Http.HtmlPages;

namespace SignaturePipeline.Web.Confirmation;

/// <summary>
/// The pages behind the links in signers' emails. A GET only shows a button: mail scanners and link previewers
/// follow links, and must never confirm or remove anything. The button POSTs the token back.
/// </summary>
public sealed class ConfirmationEndpoints(ConfirmationHandler handler)
{
    private const int MaxFormBytes = 4096;

    public async Task<IResult> ConfirmPageAsync(HttpRequest request, string petitionId, CancellationToken ct) =>
        Render(await handler.CheckAsync(petitionId, QueryToken(request), TokenPurpose.Confirm, ct).ConfigureAwait(false), petitionId, TokenPurpose.Confirm, PageLanguage.Of(request));

    public async Task<IResult> ConfirmAsync(HttpRequest request, string petitionId, CancellationToken ct)
    {
        var (token, language, tooLarge) = await FormOfAsync(request, ct).ConfigureAwait(false);
        if (tooLarge) return Problems.BodyTooLarge(MaxFormBytes);
        return Render(await handler.ConfirmAsync(petitionId, token, ct).ConfigureAwait(false), petitionId, TokenPurpose.Confirm, language);
    }

    public async Task<IResult> ResendAsync(HttpRequest request, string petitionId, CancellationToken ct)
    {
        var (token, language, tooLarge) = await FormOfAsync(request, ct).ConfigureAwait(false);
        if (tooLarge) return Problems.BodyTooLarge(MaxFormBytes);
        return Render(await handler.ResendAsync(petitionId, token, ct).ConfigureAwait(false), petitionId, TokenPurpose.Confirm, language);
    }

    public async Task<IResult> RemovePageAsync(HttpRequest request, string petitionId, CancellationToken ct) =>
        Render(await handler.CheckAsync(petitionId, QueryToken(request), TokenPurpose.Remove, ct).ConfigureAwait(false), petitionId, TokenPurpose.Remove, PageLanguage.Of(request));

    public async Task<IResult> RemoveAsync(HttpRequest request, string petitionId, CancellationToken ct)
    {
        var (token, language, tooLarge) = await FormOfAsync(request, ct).ConfigureAwait(false);
        if (tooLarge) return Problems.BodyTooLarge(MaxFormBytes);
        return Render(await handler.RemoveAsync(petitionId, token, ct).ConfigureAwait(false), petitionId, TokenPurpose.Remove, language);
    }

    private static string? QueryToken(HttpRequest request) => request.Query["token"].ToString() is { Length: > 0 } query ? query : null;

    /// <summary>
    /// The token and the language from the button's form, or from the query string; never more than a small form's worth of body.
    /// The language comes back with the form so the answer to the button is in the language of the page that showed it.
    /// A form over the cap, declared or chunked, is refused (413) rather than read.
    /// </summary>
    private static async Task<(string? Token, PageLanguage Language, bool TooLarge)> FormOfAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.HasFormContentType)
        {
            try
            {
                var body = await BoundedBody.ReadAsync(request, MaxFormBytes, ct).ConfigureAwait(false);
                if (body is null) return (null, PageLanguage.Of(request), true);
                request.Body = body;
                var form = await request.ReadFormAsync(ct).ConfigureAwait(false);
                var posted = form.TryGetValue("lang", out var lang) ? lang.ToString() : null;
                return (form.TryGetValue("token", out var value) ? value.ToString() : QueryToken(request), PageLanguage.Of(request, posted), false);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException) { return (null, PageLanguage.Of(request), false); }
        }
        return (QueryToken(request), PageLanguage.Of(request), false);
    }

    private static IResult Render(LinkResult result, string petitionId, TokenPurpose purpose, PageLanguage language)
    {
        var t = language.Strings;
        var title = result.Petition?.Title ?? t.ThisPetition;
        var quoted = Encode(title);
        var back = $"/petitions/{Encode(petitionId)}" + (language.Query is { } query ? "?" + query : "");
        var body = new StringBuilder("<div class=\"card\">");
        var status = StatusCodes.Status200OK;
        switch (result.Outcome)
        {
            case LinkOutcome.Ready when purpose == TokenPurpose.Confirm:
                body.Append("<h1>").Append(t.ConfirmHeading).Append("</h1><p>").Append(t.Format(t.ConfirmText, quoted)).Append("</p>");
                Button(body, $"/petitions/{Encode(petitionId)}/confirm", result.Token!, t.ConfirmButton, language);
                break;
            case LinkOutcome.Ready:
                body.Append("<h1>").Append(t.RemoveHeading).Append("</h1><p>").Append(t.Format(t.RemoveText, quoted)).Append("</p>");
                Button(body, $"/petitions/{Encode(petitionId)}/remove", result.Token!, t.RemoveButton, language);
                break;
            case LinkOutcome.Confirmed:
                body.Append("<h1>").Append(t.Confirmed).Append("</h1><p>").Append(t.Format(t.ConfirmedText, quoted)).Append("</p>");
                break;
            case LinkOutcome.ConfirmedHeld:
                body.Append("<h1>").Append(t.ConfirmedHeld).Append("</h1><p>").Append(t.Format(t.ConfirmedHeldText, quoted)).Append("</p>");
                break;
            case LinkOutcome.AlreadyConfirmed:
                body.Append("<h1>").Append(t.AlreadyConfirmed).Append("</h1><p>").Append(t.Format(t.AlreadyConfirmedText, quoted)).Append("</p>");
                break;
            case LinkOutcome.Removed:
                body.Append("<h1>").Append(t.Removed).Append("</h1><p>").Append(t.RemovedText).Append("</p>");
                break;
            case LinkOutcome.AlreadyRemoved:
                body.Append("<h1>").Append(t.AlreadyRemoved).Append("</h1><p>").Append(t.AlreadyRemovedText).Append("</p>");
                break;
            case LinkOutcome.Expired when purpose == TokenPurpose.Confirm:
                status = StatusCodes.Status410Gone;
                body.Append("<h1>").Append(t.LinkExpired).Append("</h1><p>").Append(t.ConfirmExpiredText).Append("</p>");
                Button(body, $"/petitions/{Encode(petitionId)}/confirm/resend", result.Token!, t.ResendButton, language);
                break;
            case LinkOutcome.Expired:
                status = StatusCodes.Status410Gone;
                body.Append("<h1>").Append(t.LinkExpired).Append("</h1><p>").Append(t.RemoveExpiredText).Append("</p>");
                break;
            case LinkOutcome.ResendSent:
                body.Append("<h1>").Append(t.CheckEmail).Append("</h1><p>").Append(t.ResendSentText).Append("</p>");
                break;
            case LinkOutcome.ResendLimited:
                status = StatusCodes.Status429TooManyRequests;
                body.Append("<h1>").Append(t.ResendLimited).Append("</h1><p>").Append(t.ResendLimitedText).Append("</p>");
                break;
            default:
                status = StatusCodes.Status400BadRequest;
                body.Append("<h1>").Append(t.BadLink).Append("</h1><p>").Append(t.BadLinkText).Append("</p>");
                break;
        }
        body.Append("<p><a href=\"").Append(back).Append("\">").Append(t.Back).Append("</a></p></div>");
        return Page(title, body.ToString(), status, lang: t.Lang, varyByLanguage: language.Negotiated);
    }

    /// <summary>Texts are the trusted markup of <see cref="PageStrings"/>; the token is encoded like any value from a request.</summary>
    private static void Button(StringBuilder body, string action, string token, string text, PageLanguage language)
    {
        body.Append("<form method=\"post\" action=\"").Append(action).Append("\"><input type=\"hidden\" name=\"token\" value=\"").Append(Encode(token)).Append("\">");
        if (language.Carried is { } lang) body.Append("<input type=\"hidden\" name=\"lang\" value=\"").Append(Encode(lang)).Append("\">");
        body.Append("<button type=\"submit\">").Append(text).Append("</button></form>");
    }
}
