using System.Globalization;
using System.Text.RegularExpressions;

namespace SignaturePipeline.Signatures;

/// <summary>
/// The address a person can really receive mail at, so that one person signing as
/// j.doe+petition@gmail.com and jdoe@googlemail.com counts once. Rules follow what each
/// provider documents: Gmail ignores dots and "+tags"; the other large providers below deliver
/// "+tag" addresses to the base mailbox; some domains are aliases of one mailbox.
/// </summary>
public static partial class CanonicalEmail
{
    internal static readonly Dictionary<string, string> DomainAliases = new(StringComparer.Ordinal)
    {
        ["googlemail.com"] = "gmail.com",
        ["me.com"] = "icloud.com",
        ["mac.com"] = "icloud.com",
        ["protonmail.com"] = "proton.me",
        ["protonmail.ch"] = "proton.me",
        ["pm.me"] = "proton.me",
    };

    internal static readonly HashSet<string> PlusTagDomains = new(StringComparer.Ordinal)
    {
        "gmail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "icloud.com",
        "proton.me", "fastmail.com", "fastmail.fm", "zoho.com", "yandex.com", "yandex.ru", "gmx.com",
    };

    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = true };

    /// <summary>
    /// Parses and lower-cases an address the way it will be stored (IDN domains in punycode).
    /// Returns false for anything a mail server would not accept as a plain mailbox.
    /// </summary>
    public static bool TryNormalize(string? input, out string normalized)
    {
        normalized = "";
        if (string.IsNullOrWhiteSpace(input)) return false;
        var value = input.Trim();
        if (value.Length > 254) return false;
        var at = value.LastIndexOf('@');
        if (at <= 0 || at == value.Length - 1 || value.IndexOf('@') != at) return false;

        var local = value[..at];
        var domain = value[(at + 1)..].TrimEnd('.');
        if (local.Length > 64 || !LocalPart().IsMatch(local)) return false;

        string asciiDomain;
        try { asciiDomain = Idn.GetAscii(domain).ToLowerInvariant(); }
        catch (ArgumentException) { return false; }
        if (asciiDomain.Length > 253 || !Domain().IsMatch(asciiDomain)) return false;

        normalized = local.ToLowerInvariant() + "@" + asciiDomain;
        return true;
    }

    /// <summary>The de-duplication identity of an already normalized address, under the built-in rules or <paramref name="rules"/>.</summary>
    public static string Canonicalize(string normalized, CanonicalEmailRules? rules = null)
    {
        rules ??= CanonicalEmailRules.Default;
        var at = normalized.LastIndexOf('@');
        var local = normalized[..at];
        var domain = normalized[(at + 1)..];
        if (rules.DomainAliases.TryGetValue(domain, out var alias)) domain = alias;
        if (rules.PlusTagDomains.Contains(domain))
        {
            var plus = local.IndexOf('+');
            if (plus > 0) local = local[..plus];
        }
        if (rules.DotInsensitiveDomains.Contains(domain)) local = local.Replace(".", "", StringComparison.Ordinal);
        return local + "@" + domain;
    }

    // Dot-atom only: quoted local parts and comments are legal in RFC 5322 but no real
    // signer uses them, and they are a favourite of injection payloads.
    [GeneratedRegex(@"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex LocalPart();

    [GeneratedRegex(@"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,63}|xn--[a-z0-9-]{1,59})$", RegexOptions.CultureInvariant)]
    private static partial Regex Domain();
}
