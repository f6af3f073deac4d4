using System.Globalization;
using System.Net;
using System.Text;
using SignaturePipeline.Email;
using SignaturePipeline.Petitions;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Deliveries;

/// <summary>The files of a delivery as an email carries them: attached, or as links that expire.</summary>
public sealed record DeliveryContent(IReadOnlyList<EmailAttachment> Attachments, IReadOnlyList<(string Label, Uri Link, long Bytes)> Links, DateTimeOffset? LinksExpire);

/// <summary>
/// The delivery's two emails: to the target (the letter, the totals, a few signers' words, the files) and to the organizers
/// (a copy, with the manifest). Every value from a person is HTML-escaped; no signer's address is ever in either.
/// </summary>
public static class DeliveryEmail
{
    private static readonly CultureInfo En = CultureInfo.GetCultureInfo("en-US");

    private static string N(long value) => value.ToString("N0", En);

    private static string E(string value) => WebUtility.HtmlEncode(value);

    private static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("MMMM d, yyyy", En);

    private static string Size(long bytes) => bytes >= 1024 * 1024
        ? (bytes / 1024.0 / 1024).ToString("0.0", En) + " MB"
        : Math.Max(1, bytes / 1024).ToString(En) + " KB";

    private static string Recipient(PetitionTarget t) => t.Kind == TargetKind.Governor && t.State is { } s
        ? $"{t.Name}, Governor of {UsStates.NameOf(s)}"
        : t.Name;

    private static string Opening(Petition petition, DeliveryRecord r)
    {
        var unnamed = DeliveryWording.Unnamed(r.Count, r.Unnamed, r.ListsNames);
        return DeliveryWording.Opening(petition.Title, r.Count, r.CumulativeCount) + (unnamed.Length > 0 ? " " + unnamed : "");
    }

    private static string FilesText(DeliveryRecord r, DeliveryContent content) => content.Attachments.Count > 0
        ? !r.ListsNames ? "Attached: delivery.pdf, the letter with the totals by state or ZIP code area, ready to print."
        : r.Unnamed > 0 ? "Attached: delivery.pdf, the letter with the name, town and comment of every signer who agreed to be named, ready to print; and signers.csv, the same list for a spreadsheet."
        : "Attached: delivery.pdf, the letter with every signer's name, town and comment, ready to print; and signers.csv, the same list for a spreadsheet."
        : $"The files are too large for an email. Download them (the links work until {Day(content.LinksExpire!.Value)}):";

    public static OutgoingEmail ToTarget(Petition petition, DeliveryRecord r, IReadOnlyList<DeliveryHighlight> highlights, DeliveryContent content)
    {
        var subject = $"Petition delivery: “{petition.Title}” — {DeliveryWording.SignersOfWhomUnnamed(r.Count, r.Unnamed)}";
        var text = new StringBuilder();
        text.Append("Dear ").Append(Recipient(r.Target)).Append(",\n\n");
        text.Append(Opening(petition, r)).Append("\n\n");
        text.Append("The letter they signed:\n\n").Append(petition.Letter.Trim()).Append("\n\n");
        if (highlights.Count > 0)
        {
            text.Append("In their own words:\n");
            foreach (var h in highlights)
                text.Append("  “").Append(h.Comment.Replace("\n", "\n   ", StringComparison.Ordinal)).Append("” — ").Append(h.Name).Append(", ").Append(h.Place).Append('\n');
            text.Append('\n');
        }
        AppendFilesText(text, r, content);
        if (r.ListsNames) text.Append("Fingerprint of the signer list (SHA-256): ").Append(r.SignersSha256).Append("\n\n");
        text.Append("Sent on behalf of the petition's organizers.\n");

        var html = new StringBuilder();
        HtmlStart(html, subject);
        html.Append("<p>Dear ").Append(E(Recipient(r.Target))).Append(",</p>");
        html.Append("<p>").Append(E(Opening(petition, r))).Append("</p>");
        html.Append("<h2 style=\"font-size:16px\">The letter they signed</h2>");
        foreach (var paragraph in petition.Letter.Trim().Split("\n\n"))
            html.Append("<p style=\"font-family:Georgia,serif\">").Append(E(paragraph).Replace("\n", "<br>", StringComparison.Ordinal)).Append("</p>");
        if (highlights.Count > 0)
        {
            html.Append("<h2 style=\"font-size:16px\">In their own words</h2>");
            foreach (var h in highlights)
                html.Append("<blockquote style=\"margin:8px 0;padding-left:10px;border-left:3px solid #ccc\">")
                    .Append(E(h.Comment).Replace("\n", "<br>", StringComparison.Ordinal))
                    .Append("<br><small>— ").Append(E(h.Name)).Append(", ").Append(E(h.Place)).Append("</small></blockquote>");
        }
        AppendFilesHtml(html, r, content);
        html.Append("<p style=\"color:#666;font-size:12px\">");
        if (r.ListsNames) html.Append("Fingerprint of the signer list (SHA-256): <code>").Append(E(r.SignersSha256 ?? "")).Append("</code><br>");
        html.Append("Sent on behalf of the petition's organizers.</p></body></html>");
        return new OutgoingEmail([r.TargetEmail], subject, text.ToString(), html.ToString()) { Attachments = content.Attachments };
    }

    public static OutgoingEmail ToOrganizers(Petition petition, DeliveryRecord r, DeliveryContent content, EmailAttachment manifest)
    {
        var subject = $"Delivered to {r.TargetName}: “{petition.Title}” — {DeliveryWording.SignersOfWhomUnnamed(r.Count, r.Unnamed)} ({r.Week})";
        var summary = $"This week's delivery of “{petition.Title}” went to {Recipient(r.Target)} <{r.TargetEmail}>: {DeliveryWording.Signers(r.Count)} in this delivery, {N(r.CumulativeCount)} delivered in all."
            + (r.Unnamed > 0 ? $" Of them, {N(r.Unnamed)} asked not to be named: counted in the totals, not listed." : "")
            + (r.ListsNames ? "" : " This target receives the totals only, no names.");
        var text = new StringBuilder();
        text.Append(summary).Append("\n\n");
        AppendFilesText(text, r, content);
        text.Append("manifest.json, attached, records the count, the signing times and the list's SHA-256 fingerprint (").Append(r.SignersSha256)
            .Append("), so you can show later that the list was not altered.\n\n");
        text.Append("You receive this because you organize this petition. Each week's delivery is sent once.\n");

        var html = new StringBuilder();
        HtmlStart(html, subject);
        html.Append("<p>").Append(E(summary)).Append("</p>");
        AppendFilesHtml(html, r, content);
        html.Append("<p><code>manifest.json</code>, attached, records the count, the signing times and the list's SHA-256 fingerprint (<code>")
            .Append(E(r.SignersSha256 ?? "")).Append("</code>), so you can show later that the list was not altered.</p>");
        html.Append("<p style=\"color:#666;font-size:12px\">You receive this because you organize this petition. Each week's delivery is sent once.</p></body></html>");
        return new OutgoingEmail(petition.Organizers, subject, text.ToString(), html.ToString()) { Attachments = [.. content.Attachments, manifest] };
    }

    private static void HtmlStart(StringBuilder html, string subject) =>
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").Append(E(subject)).Append("</title></head>")
            .Append("<body style=\"font-family:Arial,Helvetica,sans-serif;color:#1b1b1b;max-width:640px\">");

    private static void AppendFilesText(StringBuilder text, DeliveryRecord r, DeliveryContent content)
    {
        text.Append(FilesText(r, content)).Append('\n');
        foreach (var (label, link, bytes) in content.Links) text.Append("  ").Append(label).Append(" (").Append(Size(bytes)).Append("): ").Append(link.AbsoluteUri).Append('\n');
        text.Append('\n');
    }

    private static void AppendFilesHtml(StringBuilder html, DeliveryRecord r, DeliveryContent content)
    {
        html.Append("<p>").Append(E(FilesText(r, content))).Append("</p>");
        if (content.Links.Count == 0) return;
        html.Append("<ul>");
        foreach (var (label, link, bytes) in content.Links)
            html.Append("<li><a href=\"").Append(E(link.AbsoluteUri)).Append("\">").Append(E(label)).Append("</a> (").Append(Size(bytes)).Append(")</li>");
        html.Append("</ul>");
    }
}
