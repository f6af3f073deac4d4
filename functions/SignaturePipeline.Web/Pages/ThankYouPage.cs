using System.Text;
using Microsoft.AspNetCore.Http;
using SignaturePipeline.Petitions;
using SignaturePipeline.Receipts;
using SignaturePipeline.Web.Http;

namespace SignaturePipeline.Web.Pages;

/// <summary>
/// <c>GET /petitions/{id}/thanks?receipt=…</c>: where a plain form post lands. Without scripts the page cannot
/// poll, so while the receipt is pending it refreshes itself a bounded number of times, then offers a link.
/// </summary>
public static class ThankYouPage
{
    public const int MaxChecks = 10;

    /// <summary><c>private=1</c>: the signer asked not to be named to the target, and the page says so back to them.</summary>
    public const string PrivateParameter = "private";

    public static IResult Render(Petition petition, string? receiptId, Receipt? receipt, int check, PageLanguage language, bool isPrivate = false)
    {
        var t = language.Strings;
        var title = Encode(petition.Title);
        var body = new StringBuilder("<div class=\"notice\">");
        string? refresh = null;
        // Every link repeats the language, or a refresh or "back" would fall back to the browser's.
        var back = $"/petitions/{Encode(petition.Id)}" + (language.Query is { } query ? "?" + query : "");
        var andLang = (language.Query is null ? "" : "&amp;" + language.Query) + (isPrivate ? $"&amp;{PrivateParameter}=1" : "");
        // Only where the signature counts or may: a duplicate's earlier signature, or a refused one, made no such choice here.
        var chosen = isPrivate ? "<p>" + t.PrivateChosen + "</p>" : "";
        switch (receipt?.Status)
        {
            case ReceiptStatus.Counted:
                body.Append("<h1>").Append(t.Thanks).Append("</h1><p>")
                    .Append(t.Format(t.Supporter, receipt.SupporterNumber is { } n ? t.Number(n) : "", title)).Append("</p>").Append(chosen);
                break;
            case ReceiptStatus.Duplicate:
                body.Append("<h1>").Append(t.Duplicate).Append("</h1><p>").Append(t.Format(t.DuplicateText, title)).Append("</p>");
                break;
            case ReceiptStatus.Rejected:
                // The reason is stored in English with its code; other languages translate the code.
                var reason = t.Say(receipt.Reason, receipt.Field, receipt.Message ?? t.RejectedFallback);
                body.Append("<h1>").Append(t.Rejected).Append("</h1><p>").Append(Encode(reason))
                    .Append("</p><p><a href=\"").Append(back).Append("#sign\">").Append(t.SignAgain).Append("</a></p>");
                break;
            case ReceiptStatus.Poisoned:
                body.Append("<h1>").Append(t.Poisoned).Append("</h1><p>").Append(t.Format(t.PoisonedText, back + "#sign")).Append("</p>");
                break;
            case ReceiptStatus.PendingConfirmation:
                body.Append("<h1>").Append(t.CheckEmail).Append("</h1><p>").Append(t.Format(t.CheckEmailText, title)).Append("</p>").Append(chosen);
                break;
            case ReceiptStatus.Pending:
                body.Append("<h1>").Append(t.Thanks).Append("</h1><p>").Append(t.Format(t.Counting, title)).Append("</p>").Append(chosen);
                var again = $"/petitions/{Encode(petition.Id)}/thanks?receipt={Uri.EscapeDataString(receiptId!)}&amp;check={check + 1}{andLang}";
                // Most signatures are counted within a second; later checks back off to spare the receipt table.
                if (check < MaxChecks) refresh = $"<meta http-equiv=\"refresh\" content=\"{(check < 4 ? 1 : 3)};url={again}\">";
                else body.Append("<p>").Append(t.Slow).Append(" <a href=\"").Append(again).Append("\">").Append(t.CheckAgain).Append("</a></p>");
                break;
            default:
                body.Append("<h1>").Append(t.Thanks).Append("</h1><p>").Append(t.Format(t.Counting, title)).Append("</p>").Append(chosen);
                break;
        }
        body.Append("</div><p><a href=\"").Append(back).Append("\">").Append(t.Back).Append("</a></p>");
        if (receiptId is not null)
            body.Append("<p class=\"small\">").Append(t.Receipt).Append(" <code>").Append(Encode(receiptId)).Append("</code></p>");
        return HtmlPages.Page(petition.Title, body.ToString(), StatusCodes.Status200OK, refresh, lang: t.Lang, varyByLanguage: language.Negotiated);
    }

    private static string Encode(string? text) => HtmlPages.Encode(text);
}
