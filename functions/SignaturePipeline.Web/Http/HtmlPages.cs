using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using SignaturePipeline.Petitions;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Web.Http;

/// <summary>
/// The pages a browser without JavaScript lands on after a plain form post. Every piece of text a
/// signer or organizer wrote goes through <see cref="WebUtility.HtmlEncode(string)"/>.
/// </summary>
public static class HtmlPages
{
    public static IResult Errors(Petition? petition, IReadOnlyList<FieldError> errors, SignatureInput input)
    {
        var body = new StringBuilder();
        body.Append("<h1>Please check your signature</h1><p>Your signature was not recorded yet. Fix these and send it again:</p><ul>");
        foreach (var error in errors)
            body.Append("<li><strong>").Append(Encode(Label(error.Field))).Append(":</strong> ").Append(Encode(error.Message)).Append("</li>");
        body.Append("</ul>");
        if (petition is not null)
            body.Append("<p><a href=\"/petitions/").Append(Encode(petition.Id)).Append("\">Back to the petition</a></p>");
        return Page(petition?.Title ?? "Signature", body.ToString(), StatusCodes.Status400BadRequest);
    }

    public static IResult ThankYou(Petition petition, string? receiptId)
    {
        var body = new StringBuilder()
            .Append("<h1>Thank you for signing</h1><p>Your signature on <strong>").Append(Encode(petition.Title))
            .Append("</strong> is being counted.</p>");
        if (receiptId is not null)
            body.Append("<p>Your receipt: <code>").Append(Encode(receiptId)).Append("</code> (<a href=\"/api/receipts/")
                .Append(Encode(receiptId)).Append("\">check its status</a>).</p>");
        return Page(petition.Title, body.ToString(), StatusCodes.Status200OK);
    }

    public static IResult Page(string title, string bodyHtml, int status) =>
        Results.Content($$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{Encode(title)}}</title>
            <style>body{font:1.05rem/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}a{color:#0b57d0}</style>
            </head><body>{{bodyHtml}}</body></html>
            """, "text/html; charset=utf-8", Encoding.UTF8, status);

    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? "");

    private static string Label(string field) => field switch
    {
        "firstName" => "First name",
        "lastName" => "Last name",
        "email" => "Email",
        "postalCode" => "ZIP code",
        "state" => "State",
        "city" => "City",
        "country" => "Country",
        "comment" => "Comment",
        _ => field,
    };
}
