using System.Globalization;
using System.Net;
using System.Text;
using SignaturePipeline.Email;
using SignaturePipeline.Petitions;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Milestones;

/// <summary>Signatures since a snapshot: <see cref="Since"/> says how far back the history really goes.</summary>
public sealed record RecentSignatures(long Count, DateTimeOffset Since, bool FullDay);

/// <summary>Everything a milestone email says. Built from counters and snapshots; no signer's address can reach it.</summary>
public sealed record MilestoneFacts(
    Petition Petition,
    int Threshold,
    long Count,
    IReadOnlyDictionary<string, long> CountsByState,
    RecentSignatures? Recent,
    IReadOnlyList<SupporterComment> Comments,
    Uri Link,
    DateTimeOffset Now);

/// <summary>The milestone email's words, in plain text and HTML. Every value from a person is HTML-escaped.</summary>
public static class MilestoneEmail
{
    public const int TopStates = 5;
    public const int MaxCommentLength = 280;
    private static readonly CultureInfo En = CultureInfo.GetCultureInfo("en-US");

    public static string Subject(MilestoneFacts f) => f.Threshold == f.Petition.Goal
        ? $"“{f.Petition.Title}” reached its goal of {N(f.Threshold)} supporters"
        : $"“{f.Petition.Title}” passed {N(f.Threshold)} supporters";

    public static OutgoingEmail Render(MilestoneFacts f) =>
        new(f.Petition.Organizers, Subject(f), Text(f), Html(f));

    private static string Headline(MilestoneFacts f) => f.Threshold == f.Petition.Goal
        ? $"Your petition reached its goal of {N(f.Threshold)} supporters."
        : $"Your petition passed {N(f.Threshold)} supporters.";

    private static string RecentLine(RecentSignatures? recent, DateTimeOffset now) => recent switch
    {
        null => $"Signed recently: not known yet; hourly counts are kept from {Time(now)} on.",
        { FullDay: true } => $"Signed in the last day (since {Time(recent.Since)}): {N(recent.Count)}",
        _ => $"Signed since {Time(recent.Since)}: {N(recent.Count)} (less than a day of history so far)",
    };

    private static IEnumerable<KeyValuePair<string, long>> Top(MilestoneFacts f) =>
        f.CountsByState.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(TopStates);

    public static string Text(MilestoneFacts f)
    {
        var text = new StringBuilder();
        text.Append(f.Petition.Title).Append("\n\n");
        text.Append(Headline(f)).Append("\n\n");
        text.Append("Supporters now: ").Append(N(f.Count)).Append('\n');
        text.Append(RecentLine(f.Recent, f.Now)).Append("\n\n");
        var top = Top(f).ToList();
        if (top.Count > 0)
        {
            text.Append("Top states:\n");
            foreach (var (state, n) in top) text.Append("  ").Append(state).Append("  ").Append(N(n)).Append('\n');
            text.Append('\n');
        }
        if (f.Comments.Count > 0)
        {
            text.Append("Recent comments:\n");
            foreach (var c in f.Comments)
                text.Append("  “").Append(Shorten(c.Text).Replace("\n", "\n   ", StringComparison.Ordinal)).Append('”')
                    .Append(c.State is null ? "" : $" ({c.State})").Append('\n');
            text.Append('\n');
        }
        text.Append("See the petition: ").Append(f.Link.AbsoluteUri).Append("\n\n");
        text.Append("You receive this because you organize this petition. Each milestone is announced once.\n");
        return text.ToString();
    }

    public static string Html(MilestoneFacts f)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").Append(E(Subject(f))).Append("</title></head>");
        html.Append("<body style=\"font-family:Arial,Helvetica,sans-serif;color:#1b1b1b;max-width:600px\">");
        html.Append("<h1 style=\"font-size:20px\">").Append(E(f.Petition.Title)).Append("</h1>");
        html.Append("<p style=\"font-size:16px\"><strong>").Append(E(Headline(f))).Append("</strong></p>");
        html.Append("<p>Supporters now: <strong>").Append(N(f.Count)).Append("</strong><br>").Append(E(RecentLine(f.Recent, f.Now))).Append("</p>");
        var top = Top(f).ToList();
        if (top.Count > 0)
        {
            html.Append("<h2 style=\"font-size:16px\">Top states</h2><table style=\"border-collapse:collapse\">");
            foreach (var (state, n) in top)
                html.Append("<tr><td style=\"padding:2px 12px 2px 0\">").Append(E(state)).Append("</td><td style=\"text-align:right\">").Append(N(n)).Append("</td></tr>");
            html.Append("</table>");
        }
        if (f.Comments.Count > 0)
        {
            html.Append("<h2 style=\"font-size:16px\">Recent comments</h2>");
            foreach (var c in f.Comments)
            {
                html.Append("<blockquote style=\"margin:8px 0;padding-left:10px;border-left:3px solid #ccc\">")
                    .Append(E(Shorten(c.Text)).Replace("\n", "<br>", StringComparison.Ordinal));
                if (c.State is not null) html.Append("<br><small>").Append(E(c.State)).Append("</small>");
                html.Append("</blockquote>");
            }
        }
        html.Append("<p><a href=\"").Append(E(f.Link.AbsoluteUri)).Append("\">See the petition</a></p>");
        html.Append("<p style=\"color:#666;font-size:12px\">You receive this because you organize this petition. Each milestone is announced once.</p>");
        html.Append("</body></html>");
        return html.ToString();
    }

    private static string E(string value) => WebUtility.HtmlEncode(value);

    private static string N(long value) => value.ToString("N0", En);

    private static string Time(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";

    private static string Shorten(string text)
    {
        if (text.Length <= MaxCommentLength) return text;
        // Never cut between the halves of a surrogate pair: half an emoji is an invalid string.
        var cut = char.IsHighSurrogate(text[MaxCommentLength - 1]) ? MaxCommentLength - 1 : MaxCommentLength;
        return text[..cut].TrimEnd() + "…";
    }
}
