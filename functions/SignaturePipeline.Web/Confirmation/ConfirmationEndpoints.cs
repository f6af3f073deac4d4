using System.Text;
using Microsoft.AspNetCore.Http;
using SignaturePipeline.Confirmation;
using SignaturePipeline.Web.Http;
using static SignaturePipeline.Web.Http.HtmlPages;

namespace SignaturePipeline.Web.Confirmation;

/// <summary>
/// The pages behind the links in signers' emails. A GET only shows a button: mail scanners and link previewers
/// follow links, and must never confirm or remove anything. The button POSTs the token back.
/// </summary>
public sealed class ConfirmationEndpoints(ConfirmationHandler handler)
{
    private const int MaxFormBytes = 4096;

    public async Task<IResult> ConfirmPageAsync(string petitionId, string? token, CancellationToken ct) =>
        Render(await handler.CheckAsync(petitionId, token, TokenPurpose.Confirm, ct).ConfigureAwait(false), petitionId, "confirm");

    public async Task<IResult> ConfirmAsync(HttpRequest request, string petitionId, CancellationToken ct) =>
        Render(await handler.ConfirmAsync(petitionId, await TokenOfAsync(request, ct).ConfigureAwait(false), ct).ConfigureAwait(false), petitionId, "confirm");

    public async Task<IResult> ResendAsync(HttpRequest request, string petitionId, CancellationToken ct) =>
        Render(await handler.ResendAsync(petitionId, await TokenOfAsync(request, ct).ConfigureAwait(false), ct).ConfigureAwait(false), petitionId, "confirm");

    public async Task<IResult> RemovePageAsync(string petitionId, string? token, CancellationToken ct) =>
        Render(await handler.CheckAsync(petitionId, token, TokenPurpose.Remove, ct).ConfigureAwait(false), petitionId, "remove");

    public async Task<IResult> RemoveAsync(HttpRequest request, string petitionId, CancellationToken ct) =>
        Render(await handler.RemoveAsync(petitionId, await TokenOfAsync(request, ct).ConfigureAwait(false), ct).ConfigureAwait(false), petitionId, "remove");

    /// <summary>The token from the button's form, or from the query string; never more than a small form's worth of body.</summary>
    private static async Task<string?> TokenOfAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.HasFormContentType && request.ContentLength is null or <= MaxFormBytes)
        {
            try
            {
                var form = await request.ReadFormAsync(ct).ConfigureAwait(false);
                if (form.TryGetValue("token", out var value)) return value.ToString();
            }
            catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException) { return null; }
        }
        return request.Query["token"].ToString() is { Length: > 0 } query ? query : null;
    }

    private static IResult Render(LinkResult result, string petitionId, string action)
    {
        var title = result.Petition?.Title ?? "this petition";
        var back = $"/petitions/{Encode(petitionId)}";
        var body = new StringBuilder("<div class=\"card\">");
        var status = StatusCodes.Status200OK;
        switch (result.Outcome)
        {
            case LinkOutcome.Ready when action == "confirm":
                body.Append("<h1>Confirm your signature</h1><p>Press the button to confirm your signature on \u201C").Append(Encode(title)).Append("\u201D.</p>");
                Button(body, $"/petitions/{Encode(petitionId)}/confirm", result.Token!, "Confirm my signature");
                break;
            case LinkOutcome.Ready:
                body.Append("<h1>Remove your signature</h1><p>Press the button to remove your signature from \u201C").Append(Encode(title))
                    .Append("\u201D and delete your name, email address, address and comment. This cannot be undone.</p>");
                Button(body, $"/petitions/{Encode(petitionId)}/remove", result.Token!, "Remove my signature");
                break;
            case LinkOutcome.Confirmed:
                body.Append("<h1>Thank you: your signature is confirmed</h1><p>Your signature on \u201C").Append(Encode(title)).Append("\u201D is counted.</p>");
                break;
            case LinkOutcome.AlreadyConfirmed:
                body.Append("<h1>Already confirmed</h1><p>Your signature on \u201C").Append(Encode(title)).Append("\u201D was already confirmed. Nothing else to do.</p>");
                break;
            case LinkOutcome.Removed:
                body.Append("<h1>Your signature is removed</h1><p>We removed your signature and deleted your details.</p>");
                break;
            case LinkOutcome.AlreadyRemoved:
                body.Append("<h1>Already removed</h1><p>This signature was removed earlier, and its details deleted.</p>");
                break;
            case LinkOutcome.Expired when action == "confirm":
                status = StatusCodes.Status410Gone;
                body.Append("<h1>This link has expired</h1><p>Confirmation links work for a limited time. We can send you a fresh one.</p>");
                Button(body, $"/petitions/{Encode(petitionId)}/confirm/resend", result.Token!, "Email me a fresh link");
                break;
            case LinkOutcome.Expired:
                status = StatusCodes.Status410Gone;
                body.Append("<h1>This link has expired</h1><p>Write to the petition's organizers to have your signature removed.</p>");
                break;
            case LinkOutcome.ResendSent:
                body.Append("<h1>Check your email</h1><p>We sent a fresh confirmation link to the address you signed with.</p>");
                break;
            case LinkOutcome.ResendLimited:
                status = StatusCodes.Status429TooManyRequests;
                body.Append("<h1>We sent one recently</h1><p>Please look for our most recent email (and in your spam folder) before asking again.</p>");
                break;
            default:
                status = StatusCodes.Status400BadRequest;
                body.Append("<h1>This link does not work</h1><p>Copy the whole link from the email, or sign the petition again.</p>");
                break;
        }
        body.Append("<p><a href=\"").Append(back).Append("\">Back to the petition</a></p></div>");
        return Page(title, body.ToString(), status);
    }

    private static void Button(StringBuilder body, string action, string token, string text) =>
        body.Append("<form method=\"post\" action=\"").Append(action).Append("\"><input type=\"hidden\" name=\"token\" value=\"")
            .Append(Encode(token)).Append("\"><button type=\"submit\">").Append(Encode(text)).Append("</button></form>");
}
