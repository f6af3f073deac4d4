using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.Timers;

namespace SignaturePipeline.Tests;

/// <summary>
/// The library's house rules, read from its source: each folder is one concern, arrows between folders point one way,
/// and one table has one writer. A change that breaks one fails here, before a newcomer meets it.
/// </summary>
public sealed class LibraryLayoutTests
{
    private static readonly string Library = Path.Combine(FindRoot(), "functions", "SignaturePipeline");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SignaturePipeline.sln"))) return dir.FullName;
        throw new InvalidOperationException("Repository root not found.");
    }

    /// <summary>The library's source files by feature folder; files at the root (registration, options) are left out.</summary>
    private static IEnumerable<(string Folder, string File, string Code)> FolderFiles() =>
        Directory.EnumerateDirectories(Library)
            .Select(Path.GetFileName)
            .Where(folder => folder is not ("bin" or "obj"))
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(Library, folder!), "*.cs", SearchOption.AllDirectories)
                .Select(file => (folder!, Path.GetRelativePath(Library, file), WithoutComments(File.ReadAllText(file)))));

    private static string WithoutComments(string code) =>
        string.Join('\n', code.Split('\n').Where(line => !line.TrimStart().StartsWith("//", StringComparison.Ordinal)));

    /// <summary>Which folders each folder uses: a <c>using</c> of its namespace, or a name qualified by it.</summary>
    internal static Dictionary<string, HashSet<string>> FolderDependencies(IEnumerable<(string Folder, string File, string Code)> files)
    {
        var list = files.ToList();
        var folders = list.Select(f => f.Folder).ToHashSet(StringComparer.Ordinal);
        var edges = folders.ToDictionary(f => f, _ => new HashSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var (folder, _, code) in list)
            foreach (var other in folders.Where(o => o != folder))
                if (Regex.IsMatch(code, $@"using\s+SignaturePipeline\.{other}\s*;|(?<![\w.])(?:SignaturePipeline\.)?{other}\.[A-Z]"))
                    edges[folder].Add(other);
        return edges;
    }

    /// <summary>A path that leaves a folder and comes back to it, or null when there is none.</summary>
    internal static IReadOnlyList<string>? FindCycle(IReadOnlyDictionary<string, HashSet<string>> edges)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        var path = new List<string>();
        IReadOnlyList<string>? Visit(string folder)
        {
            var at = path.IndexOf(folder);
            if (at >= 0) return [.. path[at..], folder];
            if (!done.Add(folder)) return null;
            path.Add(folder);
            foreach (var next in edges.GetValueOrDefault(folder) ?? [])
                if (Visit(next) is { } cycle) return cycle;
            path.RemoveAt(path.Count - 1);
            return null;
        }
        return edges.Keys.Order(StringComparer.Ordinal).Select(Visit).FirstOrDefault(c => c is not null);
    }

    [Fact]
    public void The_library_folders_depend_on_each_other_one_way_only()
    {
        var cycle = FindCycle(FolderDependencies(FolderFiles()));
        Assert.True(cycle is null, $"Folder cycle: {string.Join(" → ", cycle ?? [])}");
    }

    [Fact]
    public void The_cycle_check_sees_a_cycle_through_a_qualified_name()
    {
        var edges = FolderDependencies(
        [
            ("Signatures", "Signatures/A.cs", "var x = Operations.PipelineMetrics.MeterName;"),
            ("Operations", "Operations/B.cs", "using SignaturePipeline.Signatures;"),
        ]);
        Assert.Equal(["Operations", "Signatures", "Operations"], FindCycle(edges));
    }

    [Fact]
    public void Only_the_signature_storage_code_opens_the_signatures_table()
    {
        var outside = FolderFiles()
            .Where(f => f.Code.Contains("TableNames.Signatures", StringComparison.Ordinal) && !IsSignatureStorage(f.File) && f.Folder != "Storage")
            .Select(f => f.File);
        Assert.Empty(outside);
    }

    [Fact]
    public void Only_the_failure_log_writes_the_failures_table()
    {
        var writers = FolderFiles().Where(f => f.Code.Contains("TableNames.Failures", StringComparison.Ordinal) && f.Folder != "Storage").Select(f => f.File);
        Assert.Equal([Path.Combine("Intake", "FailureLog.cs")], writers);
    }

    private static bool IsSignatureStorage(string file) =>
        file.StartsWith(Path.Combine("Signatures", "SignatureStore"), StringComparison.Ordinal);

    [Fact]
    public void Every_timer_in_the_catalogue_has_one_job_for_the_hosts_to_run()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(
        [
            new("AzureWebJobsStorage", "UseDevelopmentStorage=true"),
            new("Pipeline:SecretKey", "a-secret-of-sixteen-or-more"),
        ]).Build();
        var jobs = new ServiceCollection().AddSignaturePipeline(configuration)
            .Where(d => d.ServiceType == typeof(TimerJob))
            .Select(d => ((TimerJob)d.ImplementationInstance!).Timer.Name)
            .ToList();
        Assert.Equal(PipelineTimers.All.Select(t => t.Name).Order(StringComparer.Ordinal), jobs.Order(StringComparer.Ordinal));
    }
}
