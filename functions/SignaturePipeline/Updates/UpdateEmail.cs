using System.Globalization;
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

    /// <summary>
    /// The parts of one update's email that are the same for every signer of a language, rendered once per fan-out step:
    /// per signer only the greeting and the unsubscribe link are added.
    /// </summary>
    public sealed class Template(string petitionTitle, UpdateRecord update, Uri petitionPage)
    {
        private readonly Parts _english = Parts.Of(English, petitionTitle, update, petitionPage);
        private readonly Parts _spanish = Parts.Of(Spanish, petitionTitle, update, petitionPage);

        public OutgoingEmail Render(UpdateRecipient recipient, Uri unsubscribe)
        {
            var p = recipient.Lang == SignerLanguage.Spanish ? _spanish : _english;
            var w = p.Words;
            var unsubscribePage = InLanguage(unsubscribe, w).AbsoluteUri;
            var greeting = string.IsNullOrWhiteSpace(recipient.FirstName) ? w.Anonymous : string.Format(CultureInfo.InvariantCulture, w.Greeting, recipient.FirstName);
            var text = string.Concat(p.TextBefore, greeting, "\n\n", p.TextAfter, w.Unsubscribe, ": ", unsubscribePage, "\n");
            var html = string.Concat(p.HtmlBefore, "<p>", E(greeting), "</p>", p.HtmlAfter, "<a href=\"", E(unsubscribePage), "\">", E(w.Unsubscribe), "</a></p></body></html>");
            return new OutgoingEmail([recipient.Email!], p.Subject, text, html)
            {
                // The header's URL carries no language: the one-click POST needs none, and the page falls back to the browser's.
                Headers =
                [
                    new("List-Unsubscribe", $"<{unsubscribe.AbsoluteUri}>"),
                    new("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
                ],
            };
        }
    }

    private sealed record Parts(Words Words, string Subject, string TextBefore, string TextAfter, string HtmlBefore, string HtmlAfter)
    {
        public static Parts Of(Words w, string petitionTitle, UpdateRecord update, Uri petitionPage)
        {
            var content = update.Content;
            var spanish = w.Lang == SignerLanguage.Spanish && content.SubjectEs is not null && content.BodyEs is not null;
            var subject = spanish ? content.SubjectEs! : content.Subject;
            var body = spanish ? content.BodyEs! : content.Body;
            var note = w.Lang == SignerLanguage.Spanish && !spanish ? w.OnlyEnglish : "";
            var page = InLanguage(petitionPage, w);
            var about = string.Format(CultureInfo.InvariantCulture, w.About, petitionTitle);
            var lead = update.Kind switch
            {
                UpdateKind.Response => string.Format(CultureInfo.InvariantCulture, w.Response, content.Responder),
                UpdateKind.Victory => w.Victory,
                _ => "",
            };

            var textBefore = note.Length > 0 ? note + "\n\n" : "";
            var text = new StringBuilder().Append(about).Append("\n\n");
            if (lead.Length > 0) text.Append(lead).Append("\n\n");
            text.Append(body).Append("\n\n");
            text.Append(w.Page).Append(": ").Append(page.AbsoluteUri).Append("\n\n");
            text.Append(w.Why).Append('\n');

            var htmlBefore = new StringBuilder("<!DOCTYPE html><html lang=\"").Append(w.Lang).Append("\"><head><meta charset=\"utf-8\"><title>").Append(E(subject))
                .Append("</title></head><body style=\"font-family:Arial,Helvetica,sans-serif;color:#1b1b1b;max-width:600px\">");
            if (note.Length > 0) htmlBefore.Append("<p style=\"color:#666\"><em>").Append(E(note)).Append("</em></p>");
            var html = new StringBuilder("<p>").Append(E(about)).Append("</p>");
            if (lead.Length > 0) html.Append("<p><strong>").Append(E(lead)).Append("</strong></p>");
            html.Append(UpdateBody.ToHtml(body));
            html.Append("<p>").Append(E(w.Page)).Append(": <a href=\"").Append(E(page.AbsoluteUri)).Append("\">").Append(E(page.AbsoluteUri)).Append("</a></p>");
            html.Append("<p style=\"color:#666;font-size:12px\">").Append(E(w.Why)).Append("<br>");
            return new Parts(w, subject, textBefore, text.ToString(), htmlBefore.ToString(), html.ToString());
        }
    }

    private static Uri InLanguage(Uri link, Words w) =>
        w.Lang == SignerLanguage.English ? link
            : new Uri(link.AbsoluteUri + (string.IsNullOrEmpty(link.Query) ? "?" : "&") + "lang=" + Uri.EscapeDataString(w.Lang));

    private static string E(string value) => WebUtility.HtmlEncode(value);
}
