using System.Globalization;
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

    public static IResult Render(Petition petition, string? receiptId, Receipt? receipt, int check)
    {
        var body = new StringBuilder("<div class=\"notice\">");
        string? refresh = null;
        var back = $"/petitions/{Encode(petition.Id)}";
        switch (receipt?.Status)
        {
            case ReceiptStatus.Counted:
                body.Append("<h1>Thank you for signing</h1><p>You are supporter <strong>#")
                    .Append(receipt.SupporterNumber?.ToString("N0", CultureInfo.GetCultureInfo("en-US")) ?? "")
                    .Append("</strong> of \u201C").Append(Encode(petition.Title)).Append("\u201D.</p>");
                break;
            case ReceiptStatus.Duplicate:
                body.Append("<h1>You have already signed</h1><p>We count each person once, and your earlier signature on \u201C")
                    .Append(Encode(petition.Title)).Append("\u201D is counted.</p>");
                break;
            case ReceiptStatus.Rejected:
                body.Append("<h1>Your signature was not counted</h1><p>").Append(Encode(receipt.Message ?? "It did not pass our checks."))
                    .Append("</p><p><a href=\"").Append(back).Append("#sign\">Sign again</a></p>");
                break;
            case ReceiptStatus.Poisoned:
                body.Append("<h1>We could not count your signature</h1><p>A problem on our side stopped it from being counted. Please <a href=\"")
                    .Append(back).Append("#sign\">sign again</a> later.</p>");
                break;
            case ReceiptStatus.PendingConfirmation:
                body.Append("<h1>Check your email</h1><p>We sent you a link to confirm your signature on \u201C").Append(Encode(petition.Title))
                    .Append("\u201D. It counts once you confirm.</p>");
                break;
            case ReceiptStatus.Pending:
                body.Append("<h1>Thank you for signing</h1><p>Your signature on \u201C").Append(Encode(petition.Title)).Append("\u201D is being counted.</p>");
                var again = $"/petitions/{Encode(petition.Id)}/thanks?receipt={Uri.EscapeDataString(receiptId!)}&amp;check={check + 1}";
                // Most signatures are counted within a second; later checks back off to spare the receipt table.
                if (check < MaxChecks) refresh = $"<meta http-equiv=\"refresh\" content=\"{(check < 4 ? 1 : 3)};url={again}\">";
                else body.Append("<p>It is taking longer than usual, but it will be counted. <a href=\"").Append(again).Append("\">Check again</a></p>");
                break;
            default:
                body.Append("<h1>Thank you for signing</h1><p>Your signature on \u201C").Append(Encode(petition.Title)).Append("\u201D is being counted.</p>");
                break;
        }
        body.Append("</div><p><a href=\"").Append(back).Append("\">Back to the petition</a></p>");
        if (receiptId is not null)
            body.Append("<p class=\"small\">Your receipt: <code>").Append(Encode(receiptId)).Append("</code></p>");
        return HtmlPages.Page(petition.Title, body.ToString(), StatusCodes.Status200OK, refresh);
    }

    private static string Encode(string? text) => HtmlPages.Encode(text);
}
