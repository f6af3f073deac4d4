using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SignaturePipeline.Signatures;

/// <summary>Text rules shared by every free-text field a signer types.</summary>
public static partial class Text
{
    /// <summary>
    /// NFKC folds look-alike forms (full-width letters, ligatures) into one spelling, so two
    /// visually equal names are stored equally; then whitespace runs collapse to one space.
    /// </summary>
    public static string Normalize(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        var folded = value.IsNormalized(NormalizationForm.FormKC) ? value : value.Normalize(NormalizationForm.FormKC);
        return Whitespace().Replace(folded, " ").Trim();
    }

    /// <summary>
    /// Control and format characters (NUL, bidi overrides, zero-width joiners), private-use and
    /// unassigned code points, and broken surrogate pairs have no place in a name or comment.
    /// </summary>
    public static bool HasControlCharacters(string value, bool allowNewlines = false)
    {
        var span = value.AsSpan();
        while (!span.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(span, out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
                return true;
            span = span[consumed..];
            if (allowNewlines && rune.Value is '\n' or '\r' or '\t') continue;
            if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
                or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Surrogate)
                return true;
        }
        return false;
    }

    /// <summary>Comments keep their line breaks but lose every other control character and trailing space.</summary>
    public static string NormalizeMultiline(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        var folded = value.IsNormalized(NormalizationForm.FormKC) ? value : value.Normalize(NormalizationForm.FormKC);
        var lines = folded.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');
        var kept = lines.Select(l => HorizontalWhitespace().Replace(l, " ").Trim());
        return MultipleBlankLines().Replace(string.Join('\n', kept), "\n\n").Trim();
    }

    public static bool ContainsUrl(string value) => Url().IsMatch(value);

    public static bool ContainsMarkup(string value) => value.AsSpan().IndexOfAny('<', '>') >= 0;

    /// <summary>Spreadsheets run a cell that starts with one of these as a formula (CSV injection).</summary>
    public static bool StartsLikeFormula(string value) =>
        value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' or '|' or '%';

    public static bool HasLetter(string value)
    {
        foreach (var c in value) if (char.IsLetter(c)) return true;
        return false;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"[^\S\n]+")]
    private static partial Regex HorizontalWhitespace();

    [GeneratedRegex(@"\n{3,}")]
    private static partial Regex MultipleBlankLines();

    [GeneratedRegex(@"(https?:|ftp:|mailto:|//|www\.|\b[a-z0-9-]+\.(com|net|org|info|biz|io|ru|cn|xyz|top|gov|edu)\b)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Url();
}
