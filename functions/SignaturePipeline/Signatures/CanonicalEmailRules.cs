using System.Collections.Frozen;

namespace SignaturePipeline.Signatures;

/// <summary>
/// Which addresses are one mailbox: domain aliases (googlemail.com is gmail.com), domains that deliver "+tag" addresses to
/// the base mailbox, and domains that ignore dots in the local part. The built-in rules cover the large providers;
/// organizers add their own (a university that aliases two domains) with settings. Rules decide de-duplication keys:
/// add them before a petition collects signatures, because a rule added later lets earlier signers sign once more.
/// </summary>
public sealed record CanonicalEmailRules(
    IReadOnlyDictionary<string, string> DomainAliases,
    IReadOnlySet<string> PlusTagDomains,
    IReadOnlySet<string> DotInsensitiveDomains)
{
    public static CanonicalEmailRules Default { get; } = new(
        CanonicalEmail.DomainAliases.ToFrozenDictionary(StringComparer.Ordinal),
        CanonicalEmail.PlusTagDomains.ToFrozenSet(StringComparer.Ordinal),
        new[] { "gmail.com" }.ToFrozenSet(StringComparer.Ordinal));

    /// <summary>
    /// The built-in rules plus settings: <paramref name="aliases"/> as "alias.example=mailbox.example,…", the others as
    /// comma-separated domains. Malformed entries are refused, so a typo fails the start, not a signer.
    /// </summary>
    public static CanonicalEmailRules FromSettings(string? aliases, string? plusTagDomains, string? dotInsensitiveDomains)
    {
        var aliasMap = new Dictionary<string, string>(Default.DomainAliases, StringComparer.Ordinal);
        foreach (var pair in Split(aliases))
        {
            var parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !IsDomain(parts[0]) || !IsDomain(parts[1]))
                throw new FormatException($"'{pair}' is not a domain alias: write alias.example=mailbox.example.");
            aliasMap[parts[0].ToLowerInvariant()] = parts[1].ToLowerInvariant();
        }
        return new CanonicalEmailRules(
            aliasMap.ToFrozenDictionary(StringComparer.Ordinal),
            Default.PlusTagDomains.Concat(Domains(plusTagDomains)).ToFrozenSet(StringComparer.Ordinal),
            Default.DotInsensitiveDomains.Concat(Domains(dotInsensitiveDomains)).ToFrozenSet(StringComparer.Ordinal));
    }

    public static bool TryFromSettings(string? aliases, string? plusTagDomains, string? dotInsensitiveDomains, out CanonicalEmailRules? rules)
    {
        try
        {
            rules = FromSettings(aliases, plusTagDomains, dotInsensitiveDomains);
            return true;
        }
        catch (FormatException)
        {
            rules = null;
            return false;
        }
    }

    private static IEnumerable<string> Split(string? list) =>
        (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static IEnumerable<string> Domains(string? list) => Split(list).Select(d =>
        IsDomain(d) ? d.ToLowerInvariant() : throw new FormatException($"'{d}' is not a domain."));

    private static bool IsDomain(string value) => CanonicalEmail.TryNormalize("x@" + value, out _);
}
