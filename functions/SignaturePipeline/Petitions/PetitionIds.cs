using System.Text;
using System.Text.RegularExpressions;

namespace SignaturePipeline.Petitions;

public static partial class PetitionIds
{
    /// <summary>
    /// Lower-case slugs only: they become table partition keys and blob paths, which forbid
    /// '/', '\', '#', '?' and control characters, and URLs read better without escapes.
    /// </summary>
    public static bool IsValid(string? id) => id is not null && Slug().IsMatch(id);

    public static string Slugify(string text)
    {
        var builder = new StringBuilder();
        foreach (var c in text.Normalize(NormalizationForm.FormKD).ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c)) builder.Append(c);
            else if (builder.Length > 0 && builder[^1] != '-' && char.IsWhiteSpace(c) | char.IsPunctuation(c)) builder.Append('-');
        }
        var slug = builder.ToString().Trim('-');
        return slug.Length > 40 ? slug[..40].Trim('-') : slug;
    }

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Slug();
}
