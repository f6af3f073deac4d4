using System.Text.Json;
using System.Text.RegularExpressions;

namespace SignaturePipeline.Tests;

/// <summary>
/// The Functions app cannot be compiled here (its worker packages are not served), so its source is checked
/// as text against the rules it must keep: adapters only, every route of the contract, every setting sampled.
/// </summary>
public sealed partial class FunctionsAppTests
{
    private static readonly string Root = FindRoot();
    private static readonly string AppFolder = Path.Combine(Root, "functions", "SignaturePipeline.Functions");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SignaturePipeline.sln"))) return dir.FullName;
        throw new InvalidOperationException("Repository root not found.");
    }

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
        Assert.NotEmpty(bodies);
        Assert.All(bodies, f => Assert.True(f.Body.Trim().Split('\n').Length <= 3, $"{f.File}: {f.Body}"));
    }

    [Theory]
    [InlineData("post", "petitions/{petitionId}/signatures")]
    [InlineData("options", "petitions/{petitionId}/signatures")]
    [InlineData("get", "petitions/{petitionId}")]
    [InlineData("get", "petitions")]
    [InlineData("get", "receipts/{receiptId}")]
    [InlineData("get", "petitions/{petitionId}/thanks")]
    [InlineData("put", "admin/petitions/{petitionId}")]
    [InlineData("get", "admin/petitions/{petitionId}/outcomes")]
    [InlineData("get", "admin/health")]
    [InlineData("post", "admin/poison/redrive")]
    [InlineData("post", "admin/petitions/{petitionId}/recount")]
    [InlineData("post", "admin/petitions/{petitionId}/deliveries")]
    [InlineData("get", "admin/petitions/{petitionId}/deliveries")]
    public void Every_route_of_the_contract_is_served_by_both_hosts(string method, string route)
    {
        var functions = string.Concat(Directory.EnumerateFiles(AppFolder, "*.cs").Select(File.ReadAllText));
        var declared = route.StartsWith("admin/", StringComparison.Ordinal)
            ? $"\"{method}\", Route = Admin + \"{route["admin".Length..]}\""
            : $"\"{method}\", Route = \"{route}\"";
        Assert.Contains(declared, functions);

        var web = File.ReadAllText(Path.Combine(Root, "functions", "SignaturePipeline.Web", "WebServiceCollectionExtensions.cs"));
        var local = route.StartsWith("admin/", StringComparison.Ordinal) ? $"admin.Map{Verb(method)}(\"{route["admin".Length..]}\"" : $"(\"/api/{route}\"";
        Assert.Contains(local, web);
    }

    private static string Verb(string method) => char.ToUpperInvariant(method[0]) + method[1..];

    [Fact]
    public void Every_app_setting_the_Functions_app_names_is_in_the_sample_settings()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "local.settings.sample.json")));
        var values = sample.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name).ToHashSet();
        var named = Directory.EnumerateFiles(AppFolder, "*.cs").SelectMany(f => SettingReference().Matches(File.ReadAllText(f))).Select(m => m.Groups["name"].Value);
        Assert.All(named, name => Assert.Contains(name, values));
        foreach (var required in new[] { "AzureWebJobsStorage", "FUNCTIONS_WORKER_RUNTIME", "AdminKey", "Pipeline__SecretKey" })
            Assert.Contains(required, values);
    }

    [Fact]
    public void Timers_read_the_same_schedule_settings_as_the_local_host()
    {
        var timers = File.ReadAllText(Path.Combine(AppFolder, "TimerFunctions.cs"));
        Assert.Contains($"[TimerTrigger(\"%{SignaturePipeline.Milestones.MilestoneNotifier.ScheduleSetting}%\")]", timers);
        Assert.Contains($"[Function({nameof(SignaturePipeline.Milestones.MilestoneNotifier)}.FunctionName)]", timers);
        Assert.Contains($"[TimerTrigger(\"%{SignaturePipeline.Deliveries.DeliveryCompiler.ScheduleSetting}%\")]", timers);
        Assert.Contains($"[Function({nameof(SignaturePipeline.Deliveries.DeliveryCompiler)}.FunctionName)]", timers);
        Assert.Equal("CompileWeeklyDeliveries", SignaturePipeline.Deliveries.DeliveryCompiler.FunctionName);
    }

    [Fact]
    public void The_app_uses_the_web_application_builder_and_never_the_worker_defaults()
    {
        var program = File.ReadAllText(Path.Combine(AppFolder, "Program.cs"));
        Assert.Contains("FunctionsApplication.CreateBuilder(args)", program);
        Assert.Contains("ConfigureFunctionsWebApplication()", program);
        Assert.Contains("AddSignaturePipeline(builder.Configuration)", program);
        Assert.DoesNotContain("ConfigureFunctionsWorkerDefaults()", program.Replace("Never also call ConfigureFunctionsWorkerDefaults", "", StringComparison.Ordinal));
    }

    [Fact]
    public void Host_json_keeps_the_queue_settings_the_processor_relies_on()
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppFolder, "host.json")));
        var queues = host.RootElement.GetProperty("extensions").GetProperty("queues");
        Assert.Equal(SignaturePipeline.Signatures.SignatureProcessor.MaxDequeueCount, queues.GetProperty("maxDequeueCount").GetInt32());
        Assert.Equal("base64", queues.GetProperty("messageEncoding").GetString());
        Assert.Equal("api", host.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
    }

    [GeneratedRegex(@"\[Function\([^\]]*\)\]\s*public[^=]*?\)\s*=>(?<body>[^;]*;)", RegexOptions.Singleline)]
    private static partial Regex FunctionMethod();

    [GeneratedRegex(@"%(?<name>[A-Za-z0-9_]+)%")]
    private static partial Regex SettingReference();
}
