using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace SignaturePipeline.Updates;

/// <summary>
/// An update's plain text as safe HTML: every character encoded, paragraphs at blank lines, line breaks kept, and each
/// web address a link whose visible text is the address itself, so no link hides behind other words. Nothing from the
/// request is ever markup.
/// </summary>
public static partial class UpdateBody
{
    public static string ToHtml(string text)
    {
        var html = new StringBuilder();
        foreach (var paragraph in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            html.Append("<p>");
            var lines = paragraph.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                if (i > 0) html.Append("<br>");
                AppendLine(html, lines[i]);
            }
            html.Append("</p>\n");
        }
        return html.ToString();
    }

    private static void AppendLine(StringBuilder html, string line)
    {
        var at = 0;
        foreach (Match m in Link().Matches(line))
        {
            // Trailing punctuation ends a sentence, not an address.
            var address = m.Value.TrimEnd('.', ',', ';', ':', '!', '?', ')', '\'', '"');
            html.Append(WebUtility.HtmlEncode(line[at..m.Index]));
            var href = address.StartsWith("www.", StringComparison.OrdinalIgnoreCase) ? "https://" + address : address;
            if (Uri.TryCreate(href, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
                html.Append("<a href=\"").Append(WebUtility.HtmlEncode(uri.AbsoluteUri)).Append("\">").Append(WebUtility.HtmlEncode(address)).Append("</a>");
            else
                html.Append(WebUtility.HtmlEncode(address));
            at = m.Index + address.Length;
        }
        html.Append(WebUtility.HtmlEncode(line[at..]));
    }

    [GeneratedRegex(@"\b(?:https?://|www\.)[^\s<>""]+", RegexOptions.IgnoreCase)]
    private static partial Regex Link();
}
