using System.Net;
using System.Text;
using SignaturePipeline.Email;
using SignaturePipeline.Petitions;

namespace SignaturePipeline.Confirmation;

/// <summary>The kinds of email a signer can get, as stored in the outbox (<c>Kind</c>) and used in idempotency keys.</summary>
public static class SignerMailKinds
{
    public const string Confirm = "confirm";
    public const string AlreadySigned = "already_signed";
}

/// <summary>
/// The words of the emails to signers. Both carry a signed removal link; the confirmation link opens a page whose
/// button confirms, because mail scanners follow links (GET) and must never confirm on a signer's behalf.
/// </summary>
public static class SignerEmails
{
    public static OutgoingEmail Confirm(Petition petition, string to, Uri confirmLink, Uri removeLink, TimeSpan linkLife) => Render(to,
        $"Confirm your signature: {petition.Title}",
        [
            $"Thank you for signing \u201C{petition.Title}\u201D.",
            "Your signature counts once you confirm that this is your email address. Open the link and press the button:",
        ],
        confirmLink, "Confirm my signature",
        [$"The link works for {Hours(linkLife)}. If you did not sign, ignore this email: nothing is counted without your confirmation."],
        removeLink);

    public static OutgoingEmail AlreadySigned(Petition petition, string to, Uri confirmLink, Uri removeLink) => Render(to,
        $"You have already signed: {petition.Title}",
        [
            $"Someone, probably you, signed \u201C{petition.Title}\u201D again with this email address.",
            "We count each person once, so nothing changed. If you have not confirmed your first signature yet, you can do it here:",
        ],
        confirmLink, "Confirm my signature",
        ["If this was not you, there is nothing to do."],
        removeLink);

    private static OutgoingEmail Render(string to, string subject, string[] intro, Uri action, string actionText, string[] outro, Uri removeLink)
    {
        var text = new StringBuilder();
        foreach (var p in intro) text.Append(p).Append("\n\n");
        text.Append(actionText).Append(": ").Append(action.AbsoluteUri).Append("\n\n");
        foreach (var p in outro) text.Append(p).Append("\n\n");
        text.Append("Remove your signature and your details: ").Append(removeLink.AbsoluteUri).Append('\n');

        var html = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").Append(E(subject))
            .Append("</title></head><body style=\"font-family:Arial,Helvetica,sans-serif;color:#1b1b1b;max-width:600px\">");
        foreach (var p in intro) html.Append("<p>").Append(E(p)).Append("</p>");
        html.Append("<p><a href=\"").Append(E(action.AbsoluteUri)).Append("\" style=\"display:inline-block;background:#0b57d0;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none;font-weight:bold\">")
            .Append(E(actionText)).Append("</a></p>");
        foreach (var p in outro) html.Append("<p>").Append(E(p)).Append("</p>");
        html.Append("<p style=\"color:#666;font-size:12px\"><a href=\"").Append(E(removeLink.AbsoluteUri)).Append("\">Remove your signature and your details</a></p></body></html>");
        return new OutgoingEmail([to], subject, text.ToString(), html.ToString());
    }

    private static string Hours(TimeSpan span) => span.TotalHours >= 48 ? $"{(int)span.TotalDays} days" : $"{(int)span.TotalHours} hours";

    private static string E(string value) => WebUtility.HtmlEncode(value);
}
