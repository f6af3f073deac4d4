using System.Net;
using System.Text;
using SignaturePipeline.Email;
using SignaturePipeline.Petitions;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Confirmation;

/// <summary>The kinds of email a signer can get, as stored in the outbox (<c>Kind</c>) and used in idempotency keys.</summary>
public static class SignerMailKinds
{
    public const string Confirm = "confirm";
    public const string AlreadySigned = "already_signed";
}

/// <summary>
/// The emails to signers, in the language they signed in (<see cref="SignerEmailStrings"/>). Both carry a signed removal
/// link; the confirmation link opens a page whose button confirms, because mail scanners follow links (GET) and must never
/// confirm on a signer's behalf. Links in an email in another language than English carry <c>lang</c>, so the pages open in it.
/// </summary>
public static class SignerEmails
{
    /// <summary><paramref name="isPrivate"/>: the signer asked not to be named to the target, and the email repeats that choice.</summary>
    public static OutgoingEmail Confirm(Petition petition, string to, Uri confirmLink, Uri removeLink, TimeSpan linkLife, string? lang = null, bool isPrivate = false)
    {
        var w = SignerEmailStrings.For(lang);
        return Render(w, to,
            w.Format(w.ConfirmSubject, petition.Title),
            isPrivate ? [w.Format(w.ConfirmThanks, petition.Title), w.PrivateChoice, w.ConfirmWhy] : [w.Format(w.ConfirmThanks, petition.Title), w.ConfirmWhy],
            confirmLink, w.ConfirmButton,
            [w.Format(w.ConfirmLinkLife, Duration(w, linkLife))],
            removeLink);
    }

    public static OutgoingEmail AlreadySigned(Petition petition, string to, Uri confirmLink, Uri removeLink, string? lang = null)
    {
        var w = SignerEmailStrings.For(lang);
        return Render(w, to,
            w.Format(w.AlreadySubject, petition.Title),
            [w.Format(w.AlreadyAgain, petition.Title), w.AlreadyOnce],
            confirmLink, w.ConfirmButton,
            [w.AlreadyNotYou],
            removeLink);
    }

    private static OutgoingEmail Render(SignerEmailStrings w, string to, string subject, string[] intro, Uri action, string actionText, string[] outro, Uri removeLink)
    {
        action = InLanguage(action, w);
        removeLink = InLanguage(removeLink, w);
        var text = new StringBuilder();
        foreach (var p in intro) text.Append(p).Append("\n\n");
        text.Append(actionText).Append(": ").Append(action.AbsoluteUri).Append("\n\n");
        foreach (var p in outro) text.Append(p).Append("\n\n");
        text.Append(w.Remove).Append(": ").Append(removeLink.AbsoluteUri).Append('\n');

        var html = new StringBuilder("<!DOCTYPE html><html lang=\"").Append(E(w.Lang)).Append("\"><head><meta charset=\"utf-8\"><title>").Append(E(subject))
            .Append("</title></head><body style=\"font-family:Arial,Helvetica,sans-serif;color:#1b1b1b;max-width:600px\">");
        foreach (var p in intro) html.Append("<p>").Append(E(p)).Append("</p>");
        html.Append("<p><a href=\"").Append(E(action.AbsoluteUri)).Append("\" style=\"display:inline-block;background:#0b57d0;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none;font-weight:bold\">")
            .Append(E(actionText)).Append("</a></p>");
        foreach (var p in outro) html.Append("<p>").Append(E(p)).Append("</p>");
        html.Append("<p style=\"color:#666;font-size:12px\"><a href=\"").Append(E(removeLink.AbsoluteUri)).Append("\">").Append(E(w.Remove)).Append("</a></p></body></html>");
        return new OutgoingEmail([to], subject, text.ToString(), html.ToString());
    }

    /// <summary>English is the pages' fallback, so only other languages need to say so.</summary>
    private static Uri InLanguage(Uri link, SignerEmailStrings w) =>
        w.Lang == SignerLanguage.English ? link
            : new Uri(link.AbsoluteUri + (string.IsNullOrEmpty(link.Query) ? "?" : "&") + "lang=" + Uri.EscapeDataString(w.Lang));

    private static string Duration(SignerEmailStrings w, TimeSpan span) =>
        span.TotalHours >= 48 ? w.Format(w.Days, (int)span.TotalDays) : w.Format(w.Hours, (int)span.TotalHours);

    private static string E(string value) => WebUtility.HtmlEncode(value);
}
