namespace SignaturePipeline.Signatures;

/// <summary>
/// The language a signer used, as it travels with the signature to the emails and pages they get afterwards.
/// Only languages every signer-facing text is written in are kept; anything else is null, which means English,
/// so a stored or queued value can never name a language nothing is written in.
/// </summary>
public static class SignerLanguage
{
    public const string English = "en";
    public const string Spanish = "es";

    /// <summary>"es", "ES", "es-MX" and "es_US" are Spanish; "en…" is English; anything else is null.</summary>
    public static string? Normalize(string? code)
    {
        if (string.IsNullOrWhiteSpace(code) || code.Length > 35) return null;
        var primary = code.Trim().Split('-', '_')[0];
        return primary.Equals(Spanish, StringComparison.OrdinalIgnoreCase) ? Spanish
            : primary.Equals(English, StringComparison.OrdinalIgnoreCase) ? English
            : null;
    }
}
