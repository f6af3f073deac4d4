using System.Reflection;
using Microsoft.Extensions.Options;

namespace SignaturePipeline.Abuse;

/// <summary>
/// Throwaway-mailbox domains (Abuse/disposable-domains.txt, shipped in the library, plus
/// <see cref="AbuseOptions.ExtraDisposableDomains"/>). A signature from one is stored but held for review:
/// such an address proves nothing about a person, and it is how one person signs many times.
/// </summary>
public sealed class DisposableDomains
{
    private readonly HashSet<string> _domains;

    public DisposableDomains(IOptions<AbuseOptions> options)
    {
        _domains = new HashSet<string>(Shipped(), StringComparer.OrdinalIgnoreCase);
        foreach (var extra in (options.Value.ExtraDisposableDomains ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            _domains.Add(extra);
    }

    public int Count => _domains.Count;

    /// <summary>True for an address at a listed domain or any of its subdomains.</summary>
    public bool IsDisposable(string email)
    {
        var domain = email[(email.LastIndexOf('@') + 1)..];
        while (true)
        {
            if (_domains.Contains(domain)) return true;
            var dot = domain.IndexOf('.');
            if (dot < 0) return false;
            domain = domain[(dot + 1)..];
        }
    }

    public static IEnumerable<string> Shipped()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("SignaturePipeline.Abuse.disposable-domains.txt")
            ?? throw new InvalidOperationException("The disposable domain list is missing from the library.");
        using var reader = new StreamReader(stream);
        var list = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            line = line.Trim();
            if (line.Length > 0 && !line.StartsWith('#')) list.Add(line.ToLowerInvariant());
        }
        return list;
    }
}
