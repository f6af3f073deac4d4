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

    /// <summary>Where share links point (the petition's public page) and the signer's referral code they carry.</summary>
    public sealed record Share(string PageUrl, string ReferralCode);

    public static IResult Render(Petition petition, string? receiptId, Receipt? receipt, int check, PageLanguage language, bool isPrivate = false, Share? share = null)
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
        body.Append("</div>");
        // Sharing is offered once the signature is on its way or counted, and to a signer who already signed; never after a refusal.
        if (share is not null && petition.IsOpen && receipt?.Status is ReceiptStatus.Counted or ReceiptStatus.Pending or ReceiptStatus.PendingConfirmation or ReceiptStatus.Duplicate)
            AppendShare(body, petition, share, t);
        body.Append("<p><a href=\"").Append(back).Append("\">").Append(t.Back).Append("</a></p>");
        if (receiptId is not null)
            body.Append("<p class=\"small\">").Append(t.Receipt).Append(" <code>").Append(Encode(receiptId)).Append("</code></p>");
        return HtmlPages.Page(petition.Title, body.ToString(), StatusCodes.Status200OK, refresh, lang: t.Lang, varyByLanguage: language.Negotiated);
    }

    /// <summary>Plain links and the link itself to copy: the page has no scripts (its CSP forbids them), and needs none.</summary>
    private static void AppendShare(StringBuilder body, Petition petition, Share share, PageStrings t)
    {
        var link = ShareLinks.UrlFor(share.PageUrl, share.ReferralCode, ShareLinks.Link);
        body.Append("<section class=\"card share\" aria-labelledby=\"share-h\"><h2 id=\"share-h\">").Append(t.ShareHeading).Append("</h2><p>")
            .Append(t.ShareText).Append("</p><label for=\"share-link\">").Append(t.ShareCopy).Append("</label><input id=\"share-link\" type=\"url\" readonly value=\"")
            .Append(Encode(link)).Append("\"><ul class=\"share-links\">");
        foreach (var (channel, label, href) in ShareLinks.For(share.PageUrl, share.ReferralCode, t.Format(t.ShareMessage, petition.Title),
            t.Format(t.ShareSubject, petition.Title), t.ShareEmail))
            body.Append("<li><a data-channel=\"").Append(channel).Append("\" href=\"").Append(Encode(href)).Append('"')
                .Append(href.StartsWith("https:", StringComparison.Ordinal) ? " target=\"_blank\" rel=\"noopener noreferrer\"" : "")
                .Append('>').Append(Encode(label)).Append("</a></li>");
        body.Append("</ul></section>");
    }

    private static string Encode(string? text) => HtmlPages.Encode(text);
}
