using System.Text.Json;
using System.Text.RegularExpressions;
using SignaturePipeline.Intake;

namespace SignaturePipeline.Tests.FunctionsApp;

/// <summary>
/// What the generated metadata cannot show: that the app stays adapters over the tested library, and that host.json
/// keeps what the library relies on.
/// </summary>
public sealed partial class FunctionsAppSourceTests
{
    private static readonly string AppFolder = Path.Combine(RepositoryRoot.Find(), "functions", "SignaturePipeline.Functions");

    private static IEnumerable<(string File, string Body)> FunctionBodies()
    {
        foreach (var file in Directory.EnumerateFiles(AppFolder, "*.cs"))
        {
            var text = File.ReadAllText(file);
            foreach (Match m in FunctionMethod().Matches(text))
                yield return (Path.GetFileName(file), m.Groups["body"].Value);
        }
    }

    [Fact]
    public void Every_function_is_an_adapter_of_at_most_three_lines()
    {
        var bodies = FunctionBodies().ToList();
        var declared = Directory.EnumerateFiles(AppFolder, "*.cs").Sum(f => Regex.Count(File.ReadAllText(f), @"\[Function\("));
        // Every function must be expression-bodied to be found at all: a block body would hide logic here.
        Assert.Equal(declared, bodies.Count);
        Assert.All(bodies, f => Assert.True(f.Body.Trim().Split('\n').Length <= 3, $"{f.File}: {f.Body}"));
    }

    [Fact]
    public void Host_json_keeps_the_queue_settings_the_processor_relies_on()
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppFolder, "host.json")));
        var queues = host.RootElement.GetProperty("extensions").GetProperty("queues");
        Assert.Equal(SignatureProcessor.MaxDequeueCount, queues.GetProperty("maxDequeueCount").GetInt32());
        Assert.Equal("base64", queues.GetProperty("messageEncoding").GetString());
        // Routes spell "api/" themselves (see host.json.md), so the pages can live outside it.
        Assert.Equal("", host.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
    }

    [Fact]
    public void Host_json_has_the_host_export_telemetry_through_OpenTelemetry_like_the_worker()
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppFolder, "host.json")));
        Assert.Equal("OpenTelemetry", host.RootElement.GetProperty("telemetryMode").GetString());
    }

    [GeneratedRegex(@"\[Function\([^\]]*\)\]\s*public\s(?:(?!=>|\{\s*$).)*?=>(?<body>[^;]*;)", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex FunctionMethod();
}
