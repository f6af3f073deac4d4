using System.Net;
using System.Text;
using SignaturePipeline.Email;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Updates;

/// <summary>
/// The email of one update to one signer, in the language they signed in: the Spanish text when the organizer gave one,
/// else the English text with a note saying so. It names the petition and links to its page, shows the unsubscribe link,
/// and carries <c>List-Unsubscribe</c> with <c>List-Unsubscribe-Post: List-Unsubscribe=One-Click</c> (RFC 8058), so mail
/// clients offer their own button, which POSTs to the same signed link.
/// </summary>
public static class UpdateEmail
{
    private sealed record Words(string Lang, string Greeting, string Anonymous, string About, string Response, string Victory, string OnlyEnglish,
        string Page, string Why, string Unsubscribe);

    private static readonly Words English = new(SignerLanguage.English, "Hello {0},", "Hello,", "An update on the petition \u201C{0}\u201D, which you signed:",
        "{0} responded to the petition:", "The petition won.", "", "The petition's page", "You get this email because you signed this petition.",
        "Unsubscribe from updates about this petition (your signature still counts)");

    private static readonly Words Spanish = new(SignerLanguage.Spanish, "Hola, {0}:", "Hola:", "Novedades de la petición «{0}», que firmaste:",
        "{0} respondió a la petición:", "¡La petición ganó!", "Este mensaje solo está disponible en inglés.", "La página de la petición",
        "Recibes este correo porque firmaste esta petición.", "Dejar de recibir novedades de esta petición (tu firma sigue contando)");

    public static string IdempotencyKey(string petitionId, string updateId, string signatureRowKey) => $"update:{petitionId}:{updateId}:{signatureRowKey}";

    public static OutgoingEmail Render(string petitionTitle, UpdateRecord update, UpdateRecipient recipient, Uri petitionPage, Uri unsubscribe)
    {
        var w = recipient.Lang == SignerLanguage.Spanish ? Spanish : English;
        var content = update.Content;
        var spanish = w.Lang == SignerLanguage.Spanish && content.SubjectEs is not null && content.BodyEs is not null;
        var subject = spanish ? content.SubjectEs! : content.Subject;
        var body = spanish ? content.BodyEs! : content.Body;
        var note = w.Lang == SignerLanguage.Spanish && !spanish ? w.OnlyEnglish : "";
        var page = InLanguage(petitionPage, w);
        var unsubscribePage = InLanguage(unsubscribe, w);
        var greeting = string.IsNullOrWhiteSpace(recipient.FirstName) ? w.Anonymous : string.Format(System.Globalization.CultureInfo.InvariantCulture, w.Greeting, recipient.FirstName);
        var about = string.Format(System.Globalization.CultureInfo.InvariantCulture, w.About, petitionTitle);
        var lead = update.Kind switch
        {
            UpdateKind.Response => string.Format(System.Globalization.CultureInfo.InvariantCulture, w.Response, content.Responder),
            UpdateKind.Victory => w.Victory,
            _ => "",
        };

        var text = new StringBuilder();
        if (note.Length > 0) text.Append(note).Append("\n\n");
        text.Append(greeting).Append("\n\n").Append(about).Append("\n\n");
        if (lead.Length > 0) text.Append(lead).Append("\n\n");
        text.Append(body).Append("\n\n");
        text.Append(w.Page).Append(": ").Append(page.AbsoluteUri).Append("\n\n");
        text.Append(w.Why).Append('\n').Append(w.Unsubscribe).Append(": ").Append(unsubscribePage.AbsoluteUri).Append('\n');

        var html = new StringBuilder("<!DOCTYPE html><html lang=\"").Append(w.Lang).Append("\"><head><meta charset=\"utf-8\"><title>").Append(E(subject))
            .Append("</title></head><body style=\"font-family:Arial,Helvetica,sans-serif;color:#1b1b1b;max-width:600px\">");
        if (note.Length > 0) html.Append("<p style=\"color:#666\"><em>").Append(E(note)).Append("</em></p>");
        html.Append("<p>").Append(E(greeting)).Append("</p><p>").Append(E(about)).Append("</p>");
        if (lead.Length > 0) html.Append("<p><strong>").Append(E(lead)).Append("</strong></p>");
        html.Append(UpdateBody.ToHtml(body));
        html.Append("<p>").Append(E(w.Page)).Append(": <a href=\"").Append(E(page.AbsoluteUri)).Append("\">").Append(E(page.AbsoluteUri)).Append("</a></p>");
        html.Append("<p style=\"color:#666;font-size:12px\">").Append(E(w.Why)).Append("<br><a href=\"").Append(E(unsubscribePage.AbsoluteUri)).Append("\">")
            .Append(E(w.Unsubscribe)).Append("</a></p></body></html>");

        return new OutgoingEmail([recipient.Email!], subject, text.ToString(), html.ToString())
        {
            // The header's URL carries no language: the one-click POST needs none, and the page falls back to the browser's.
            Headers =
            [
                new("List-Unsubscribe", $"<{unsubscribe.AbsoluteUri}>"),
                new("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ],
        };
    }

    private static Uri InLanguage(Uri link, Words w) =>
        w.Lang == SignerLanguage.English ? link
            : new Uri(link.AbsoluteUri + (string.IsNullOrEmpty(link.Query) ? "?" : "&") + "lang=" + Uri.EscapeDataString(w.Lang));

    private static string E(string value) => WebUtility.HtmlEncode(value);
}
