namespace SignaturePipeline.LocalHost.Azurite;

/// <summary>
/// The ports of the Azurite a storage connection string points at: 10000-10002 for <c>UseDevelopmentStorage=true</c>,
/// or those of an explicit development-account string on loopback (another checkout, or a test, on other ports).
/// </summary>
public readonly record struct AzuritePorts(int Blob, int Queue, int Table)
{
    public static readonly AzuritePorts Default = new(10000, 10001, 10002);

    public static bool TryFrom(string? connectionString, out AzuritePorts ports)
    {
        ports = default;
        if (string.IsNullOrWhiteSpace(connectionString)) return false;
        // Storage connection strings are "key=value;…" with '=' inside values (account keys end in "=="): split at the first.
        var parts = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .GroupBy(pair => pair[0].Trim(), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(group => group.Key, group => group.Last()[1].Trim(), StringComparer.OrdinalIgnoreCase);
        if (parts.TryGetValue("UseDevelopmentStorage", out var development))
        {
            if (!string.Equals(development, "true", StringComparison.OrdinalIgnoreCase)) return false;
            ports = Default;
            return true;
        }
        if (!(parts.TryGetValue("AccountName", out var account) && string.Equals(account, AzuriteProcess.AccountName, StringComparison.Ordinal))) return false;
        if (LoopbackPort(parts, "BlobEndpoint") is not { } blob || LoopbackPort(parts, "QueueEndpoint") is not { } queue || LoopbackPort(parts, "TableEndpoint") is not { } table) return false;
        ports = new AzuritePorts(blob, queue, table);
        return true;
    }

    private static int? LoopbackPort(Dictionary<string, string> parts, string key) =>
        parts.TryGetValue(key, out var value) && Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.IsLoopback && !uri.IsDefaultPort ? uri.Port : null;

    public bool AllListening => AzuriteProcess.IsListening(Blob) && AzuriteProcess.IsListening(Queue) && AzuriteProcess.IsListening(Table);

    public override string ToString() => $"{Blob}/{Queue}/{Table}";
}
