using System.Text.RegularExpressions;

namespace SignaturePipeline.Signatures;

/// <summary>
/// Where a signature came from: the organizer's <c>source</c> code (<c>ndlon-email</c>, <c>fb-ad-2</c>), the campaign's
/// <c>utm_source</c>, <c>utm_medium</c> and <c>utm_campaign</c>, the <c>referrer</c> (the referral code of the signer whose
/// shared link brought this one, see <see cref="Security.ReferralCodes"/>) and, from an OSDI body's <c>referrer_data</c>,
/// the host of the <c>website</c> the action was taken on. Stored on the signature row, never in a key; source, utm values
/// and referrer are counted (<c>SignatureStore.Sources.cs</c>).
/// </summary>
public sealed partial record SignatureSources
{
    public const int MaxLength = 64;
    public const int MaxWebsiteLength = 100;

    public string? Source { get; init; }
    public string? UtmSource { get; init; }
    public string? UtmMedium { get; init; }
    public string? UtmCampaign { get; init; }
    public string? Referrer { get; init; }
    public string? Website { get; init; }

    /// <summary>The field names a form, a JSON body and a page's address use (the names every campaign tool writes).</summary>
    public const string SourceField = "source";
    public const string UtmSourceField = "utm_source";
    public const string UtmMediumField = "utm_medium";
    public const string UtmCampaignField = "utm_campaign";
    public const string ReferrerField = "referrer";
    public const string WebsiteField = "website";

    public bool IsEmpty => Source is null && UtmSource is null && UtmMedium is null && UtmCampaign is null && Referrer is null && Website is null;

    /// <summary>
    /// Normalizes and checks every value; a value that breaks the rule is a field error, like any other field's (forms
    /// and API clients learn of their mistake). The widget and the petition page, which copy these values from their
    /// page's address, pass on only values that already pass, so a mangled link never costs a signer their signature.
    /// Null when nothing was given.
    /// </summary>
    public static SignatureSources? Validate(SignatureSources? input, List<FieldError> errors)
    {
        if (input is null) return null;
        var valid = new SignatureSources
        {
            Source = Code(input.Source, SourceField, errors),
            UtmSource = Code(input.UtmSource, UtmSourceField, errors),
            UtmMedium = Code(input.UtmMedium, UtmMediumField, errors),
            UtmCampaign = Code(input.UtmCampaign, UtmCampaignField, errors),
            Referrer = Referral(input.Referrer, errors),
            Website = Host(input.Website, errors),
        };
        return valid.IsEmpty ? null : valid;
    }

    /// <summary>
    /// These sources without a referrer code this deployment did not issue (<paramref name="isIssued"/>): a code that
    /// was never given to a signer is not counted for anyone, and it costs the signature nothing. Null when nothing is left.
    /// </summary>
    public SignatureSources? KeepingIssuedReferrer(Func<string, bool> isIssued) =>
        Referrer is null || isIssued(Referrer) ? this : this with { Referrer = null } is { IsEmpty: false } rest ? rest : null;

    /// <summary>
    /// A code as counted: lower case (<c>Facebook</c> and <c>facebook</c> are one source), spaces as dashes (a <c>+</c> in
    /// an address reads as a space), then letters, digits, <c>-</c>, <c>_</c> and <c>.</c> only, starting with a letter or
    /// digit (never a spreadsheet formula, never markup), at most <see cref="MaxLength"/> characters. Null when empty.
    /// </summary>
    public static string? NormalizeCode(string? value)
    {
        var text = Text.Normalize(value);
        if (text.Length == 0) return null;
        var code = text.ToLowerInvariant().Replace(' ', '-');
        return CodePattern().IsMatch(code) ? code : "";
    }

    private static string? Code(string? value, string field, List<FieldError> errors)
    {
        var code = NormalizeCode(value);
        if (code is "")
            errors.Add(new(field, ReasonCodes.SourceInvalid,
                $"'{field}' takes up to {MaxLength} letters, digits, '-', '_' or '.', starting with a letter or digit."));
        return code is "" ? null : code;
    }

    private static string? Referral(string? value, List<FieldError> errors)
    {
        var text = Text.Normalize(value).ToLowerInvariant();
        if (text.Length == 0) return null;
        if (Security.ReferralCodes.IsWellFormed(text)) return text;
        errors.Add(new(ReferrerField, ReasonCodes.ReferrerInvalid, "'referrer' takes the referral code from a shared link, as the link spells it."));
        return null;
    }

    /// <summary>The host of an absolute http(s) address (IDN hosts in punycode), or the host alone.</summary>
    private static string? Host(string? value, List<FieldError> errors)
    {
        var text = Text.Normalize(value);
        if (text.Length == 0) return null;
        var candidate = text.Contains("://", StringComparison.Ordinal) ? text : "https://" + text;
        if (Uri.TryCreate(candidate, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            && uri.IdnHost.ToLowerInvariant() is { Length: > 0 and <= MaxWebsiteLength } host && HostPattern().IsMatch(host))
            return host;
        errors.Add(new(WebsiteField, ReasonCodes.SourceInvalid, "'website' takes the address of the site the signature was collected on."));
        return null;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex CodePattern();

    [GeneratedRegex("^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex HostPattern();
}
