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
        var declared = Directory.EnumerateFiles(AppFolder, "*.cs").Sum(f => Regex.Count(File.ReadAllText(f), @"\[Function\("));
        // Every function must be expression-bodied to be found at all: a block body would hide logic here.
        Assert.Equal(declared, bodies.Count);
        Assert.All(bodies, f => Assert.True(f.Body.Trim().Split('\n').Length <= 3, $"{f.File}: {f.Body}"));
    }

    [Theory]
    [InlineData("post", "api/petitions/{petitionId}/signatures")]
    [InlineData("options", "api/petitions/{petitionId}/signatures")]
    [InlineData("get", "api/petitions/{petitionId}")]
    [InlineData("get", "api/petitions")]
    [InlineData("get", "api/receipts/{receiptId}")]
    [InlineData("get", "api/embed.js")]
    [InlineData("get", "petitions/{petitionId}")]
    [InlineData("get", "petitions/{petitionId}/thanks")]
    [InlineData("put", "api/admin/petitions/{petitionId}")]
    [InlineData("get", "api/admin/petitions/{petitionId}/outcomes")]
    [InlineData("get", "api/admin/health")]
    [InlineData("post", "api/admin/poison/redrive")]
    [InlineData("post", "api/admin/petitions/{petitionId}/recount")]
    [InlineData("get", "petitions/{petitionId}/confirm")]
    [InlineData("post", "petitions/{petitionId}/confirm")]
    [InlineData("post", "petitions/{petitionId}/confirm/resend")]
    [InlineData("get", "petitions/{petitionId}/remove")]
    [InlineData("post", "petitions/{petitionId}/remove")]
    [InlineData("get", "api/admin/petitions/{petitionId}/held")]
    [InlineData("post", "api/admin/petitions/{petitionId}/held/release")]
    [InlineData("post", "api/admin/petitions/{petitionId}/held/invalidate")]
    [InlineData("post", "api/admin/petitions/{petitionId}/invalidate")]
    [InlineData("post", "api/admin/petitions/{petitionId}/erase")]
    [InlineData("get", "api/admin/petitions/{petitionId}/signatures.csv")]
    [InlineData("post", "api/admin/petitions/{petitionId}/anonymise")]
    [InlineData("post", "api/admin/petitions/{petitionId}/deliveries")]
    [InlineData("get", "api/admin/petitions/{petitionId}/deliveries")]
    public void Every_route_of_the_contract_is_served_by_both_hosts(string method, string route)
    {
        var functions = string.Concat(Directory.EnumerateFiles(AppFolder, "*.cs").Select(File.ReadAllText));
        Assert.Matches($"\"{Regex.Escape(method)}\"[^\\]]*Route = \"{Regex.Escape(route)}\"", functions);

        var web = File.ReadAllText(Path.Combine(Root, "functions", "SignaturePipeline.Web", "WebServiceCollectionExtensions.cs"));
        var local = route.StartsWith("api/admin/", StringComparison.Ordinal)
            ? $"admin.Map{Verb(method)}(\"{route["api/admin".Length..]}\""
            : $"\"/{route}\"";
        Assert.Contains(local, web);
    }

    [Fact]
    public void No_function_route_begins_with_admin_which_the_host_reserves()
    {
        var functions = string.Concat(Directory.EnumerateFiles(AppFolder, "*.cs").Select(File.ReadAllText));
        Assert.DoesNotMatch("Route = \"/?admin", functions);
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
        // Each constant is spelled as its value, so the adapter's attribute names the catalogue entry.
        foreach (var timer in SignaturePipeline.Timers.PipelineTimers.All)
        {
            Assert.Contains($"[Function({nameof(SignaturePipeline.Timers.PipelineTimers)}.{timer.Name})]", timers);
            Assert.Contains($"[TimerTrigger(\"%{timer.ScheduleSetting}%\")]", timers);
        }
        Assert.Equal("CompileWeeklyDeliveries", SignaturePipeline.Timers.PipelineTimers.CompileWeeklyDeliveries);
    }

    [Fact]
    public void Every_timer_schedule_setting_is_deployed_by_the_Bicep()
    {
        // A %Setting% the host cannot resolve keeps the whole function from loading in Azure.
        var bicep = File.ReadAllText(Path.Combine(Root, "infra", "app", "api.bicep"));
        var timers = File.ReadAllText(Path.Combine(AppFolder, "TimerFunctions.cs"));
        var named = SettingReference().Matches(timers).Select(m => m.Groups["name"].Value).ToList();
        Assert.NotEmpty(named);
        Assert.All(named, name => Assert.Contains(name + ":", bicep));
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
        Assert.Equal(SignaturePipeline.Intake.SignatureProcessor.MaxDequeueCount, queues.GetProperty("maxDequeueCount").GetInt32());
        Assert.Equal("base64", queues.GetProperty("messageEncoding").GetString());
        // Routes spell "api/" themselves (see host.json.md), so the pages can live outside it.
        Assert.Equal("", host.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
    }

    [GeneratedRegex(@"\[Function\([^\]]*\)\]\s*public\s(?:(?!=>|\{\s*$).)*?=>(?<body>[^;]*;)", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex FunctionMethod();

    [GeneratedRegex(@"%(?<name>[A-Za-z0-9_]+)%")]
    private static partial Regex SettingReference();
}
