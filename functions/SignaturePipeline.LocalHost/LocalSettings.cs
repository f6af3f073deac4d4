using System.Text.Json;

namespace SignaturePipeline.LocalHost;

/// <summary>
/// Reads <c>local.settings.json</c> exactly as <c>func start</c> does (its <c>Values</c> become app settings,
/// <c>__</c> nests a section), falling back to the committed <c>local.settings.sample.json</c>.
/// Environment variables still win, as everywhere in .NET configuration.
/// </summary>
public static class LocalSettings
{
    public const string FileName = "local.settings.json";
    public const string SampleFileName = "local.settings.sample.json";

    /// <summary>The repository root: the first folder upwards that holds the sample settings.</summary>
    public static string? FindRoot(string? start = null)
    {
        for (var dir = new DirectoryInfo(start ?? Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, SampleFileName))) return dir.FullName;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, SampleFileName))) return dir.FullName;
        return null;
    }

    public static (string? Path, Dictionary<string, string?> Values, int? Port) Load(string? root)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (root is null) return (null, values, null);
        var path = Path.Combine(root, FileName);
        if (!File.Exists(path)) path = Path.Combine(root, SampleFileName);
        if (!File.Exists(path)) return (null, values, null);

        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (document.RootElement.TryGetProperty("Values", out var settings))
            foreach (var setting in settings.EnumerateObject())
                values[setting.Name.Replace("__", ":", StringComparison.Ordinal)] = setting.Value.ValueKind == JsonValueKind.String ? setting.Value.GetString() : setting.Value.GetRawText();
        int? port = document.RootElement.TryGetProperty("Host", out var host) && host.TryGetProperty("LocalHttpPort", out var p) && p.TryGetInt32(out var n) ? n : null;
        return (path, values, port);
    }
}
