using System.Text.RegularExpressions;

namespace SignaturePipeline.Bench;

/// <summary>BENCHMARKS.md holds one section per benchmark, between markers, so each run rewrites only its own.</summary>
public static class BenchmarksFile
{
    public static void WriteSection(string root, string name, string markdown)
    {
        var path = Path.Combine(root, "BENCHMARKS.md");
        var start = $"<!-- bench:{name}:start -->";
        var end = $"<!-- bench:{name}:end -->";
        var block = $"{start}\n{markdown.TrimEnd()}\n{end}";
        var text = File.Exists(path) ? File.ReadAllText(path) : "# Benchmarks\n\nWritten by `bench/SignaturePipeline.Bench`; each section is replaced by its own run.\n";
        text = text.Contains(start, StringComparison.Ordinal)
            ? Regex.Replace(text, Regex.Escape(start) + ".*?" + Regex.Escape(end), _ => block, RegexOptions.Singleline)
            : text.TrimEnd() + "\n\n" + block + "\n";
        File.WriteAllText(path, text);
        Console.WriteLine($"Wrote section '{name}' of {path}");
    }
}
