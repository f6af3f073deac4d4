using System.Diagnostics.CodeAnalysis;

namespace SignaturePipeline.Email;

/// <summary>An ACS connection string, <c>endpoint=https://…;accesskey=…</c>, as the portal shows it.</summary>
public sealed record AcsConnectionString(Uri Endpoint, byte[] AccessKey)
{
    public static bool TryParse(string? value, [NotNullWhen(true)] out AcsConnectionString? parsed, out string error)
    {
        parsed = null;
        error = "";
        string? endpoint = null, key = null;
        foreach (var part in (value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0) continue;
            var name = part[..equals].Trim();
            // The key is base64 and may itself end in '=', so only the first '=' separates.
            var text = part[(equals + 1)..].Trim();
            if (name.Equals("endpoint", StringComparison.OrdinalIgnoreCase)) endpoint = text;
            else if (name.Equals("accesskey", StringComparison.OrdinalIgnoreCase)) key = text;
        }
        if (endpoint is null || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
        {
            error = "Email:Acs:ConnectionString has no valid endpoint=https://….";
            return false;
        }
        var bytes = new byte[((key?.Length ?? 0) * 3 / 4) + 3];
        if (string.IsNullOrEmpty(key) || !Convert.TryFromBase64String(key, bytes, out var written) || written == 0)
        {
            error = "Email:Acs:ConnectionString has no valid base64 accesskey=….";
            return false;
        }
        parsed = new AcsConnectionString(uri, bytes[..written]);
        return true;
    }
}
