using System.Collections.Frozen;

namespace SignaturePipeline.Signatures;

/// <summary>
/// The USPS state and territory codes, and which 3-digit ZIP prefixes (ZIP3) each one owns.
/// A ZIP whose prefix belongs to another state is almost always a typo or a made-up address,
/// so the pair is checked before a signature is counted toward a governor's constituents.
/// </summary>
public static class UsStates
{
    private static readonly (string Code, string Name, string Zip3Ranges)[] Table =
    [
        ("AL", "Alabama", "350-369"),
        ("AK", "Alaska", "995-999"),
        ("AZ", "Arizona", "850-865"),
        ("AR", "Arkansas", "716-729"),
        ("CA", "California", "900-961"),
        ("CO", "Colorado", "800-816"),
        ("CT", "Connecticut", "060-069"),
        ("DE", "Delaware", "197-199"),
        ("DC", "District of Columbia", "200,202-205,569"),
        ("FL", "Florida", "320-349"),
        ("GA", "Georgia", "300-319,398-399"),
        ("HI", "Hawaii", "967-968"),
        ("ID", "Idaho", "832-838"),
        ("IL", "Illinois", "600-629"),
        ("IN", "Indiana", "460-479"),
        ("IA", "Iowa", "500-528"),
        ("KS", "Kansas", "660-679"),
        ("KY", "Kentucky", "400-427"),
        ("LA", "Louisiana", "700-714"),
        ("ME", "Maine", "039-049"),
        ("MD", "Maryland", "206-219"),
        ("MA", "Massachusetts", "010-027,055"),
        ("MI", "Michigan", "480-499"),
        ("MN", "Minnesota", "550-567"),
        ("MS", "Mississippi", "386-397"),
        ("MO", "Missouri", "630-658"),
        ("MT", "Montana", "590-599"),
        ("NE", "Nebraska", "680-693"),
        ("NV", "Nevada", "889-898"),
        ("NH", "New Hampshire", "030-038"),
        ("NJ", "New Jersey", "070-089"),
        ("NM", "New Mexico", "870-884"),
        ("NY", "New York", "005,063,100-149"),
        ("NC", "North Carolina", "270-289"),
        ("ND", "North Dakota", "580-588"),
        ("OH", "Ohio", "430-459"),
        ("OK", "Oklahoma", "730-731,734-749"),
        ("OR", "Oregon", "970-979"),
        ("PA", "Pennsylvania", "150-196"),
        ("RI", "Rhode Island", "028-029"),
        ("SC", "South Carolina", "290-299"),
        ("SD", "South Dakota", "570-577"),
        ("TN", "Tennessee", "370-385"),
        ("TX", "Texas", "733,750-799,885"),
        ("UT", "Utah", "840-847"),
        ("VT", "Vermont", "050-054,056-059"),
        ("VA", "Virginia", "201,220-246"),
        ("WA", "Washington", "980-994"),
        ("WV", "West Virginia", "247-268"),
        ("WI", "Wisconsin", "530-549"),
        ("WY", "Wyoming", "820-831"),
        ("AS", "American Samoa", "967"),
        ("GU", "Guam", "969"),
        ("MP", "Northern Mariana Islands", "969"),
        ("PR", "Puerto Rico", "006-007,009"),
        ("VI", "U.S. Virgin Islands", "008"),
        ("FM", "Federated States of Micronesia", "969"),
        ("MH", "Marshall Islands", "969"),
        ("PW", "Palau", "969"),
        ("AA", "Armed Forces Americas", "340"),
        ("AE", "Armed Forces Europe", "090-098"),
        ("AP", "Armed Forces Pacific", "962-966"),
    ];

    private static readonly FrozenDictionary<string, string> NamesByCode =
        Table.ToFrozenDictionary(s => s.Code, s => s.Name, StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, string> CodesByName =
        Table.ToFrozenDictionary(s => s.Name, s => s.Code, StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<string, FrozenSet<int>> Zip3ByCode =
        Table.ToFrozenDictionary(s => s.Code, s => ParseRanges(s.Zip3Ranges).ToFrozenSet(), StringComparer.Ordinal);

    /// <summary>Every USPS code, in table order (states, DC, territories, military).</summary>
    public static IReadOnlyList<string> Codes { get; } = Table.Select(s => s.Code).ToArray();

    public static string NameOf(string code) => NamesByCode.TryGetValue(code, out var name) ? name : code;

    /// <summary>Accepts a code in any case ("ny") or a full name ("New York"), as OSDI tools send regions.</summary>
    public static bool TryNormalize(string? value, out string code)
    {
        code = "";
        if (string.IsNullOrWhiteSpace(value)) return false;
        var trimmed = value.Trim();
        if (trimmed.Length == 2)
        {
            var upper = trimmed.ToUpperInvariant();
            if (NamesByCode.ContainsKey(upper)) { code = upper; return true; }
            return false;
        }
        return CodesByName.TryGetValue(trimmed, out code!);
    }

    /// <summary>True when the ZIP's 3-digit prefix is one USPS assigns to the state.</summary>
    public static bool ZipBelongsToState(string zip, string stateCode) =>
        zip.Length >= 3
        && int.TryParse(zip.AsSpan(0, 3), out var zip3)
        && Zip3ByCode.TryGetValue(stateCode, out var prefixes)
        && prefixes.Contains(zip3);

    private static IEnumerable<int> ParseRanges(string ranges)
    {
        foreach (var part in ranges.Split(','))
        {
            var bounds = part.Split('-');
            var low = int.Parse(bounds[0], System.Globalization.CultureInfo.InvariantCulture);
            var high = bounds.Length == 2 ? int.Parse(bounds[1], System.Globalization.CultureInfo.InvariantCulture) : low;
            for (var p = low; p <= high; p++) yield return p;
        }
    }
}
