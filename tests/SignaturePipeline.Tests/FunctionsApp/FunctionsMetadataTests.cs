using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using SignaturePipeline.Intake;
using SignaturePipeline.Storage;
using SignaturePipeline.Web;
using Xunit.Abstractions;

namespace SignaturePipeline.Tests.FunctionsApp;

/// <summary>
/// What Azure loads is not our C# but the metadata the Worker SDK generated from it at build time: functions.metadata
/// (every function, its trigger, route, methods and authorization level) and extensions.json (the host's extensions).
/// These tests read that build output, the same files `dotnet publish` ships, against the README's contract.
/// </summary>
public sealed partial class FunctionsMetadataTests(ITestOutputHelper output)
{
    private static readonly string Root = RepositoryRoot.Find();

    /// <summary>The Functions app's build output for this test run's configuration (the project reference builds it first).</summary>
    private static readonly string AppOutput = Path.Combine(Root, "functions", "SignaturePipeline.Functions", "bin",
        typeof(FunctionsMetadataTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration, "net10.0");

    private static readonly Lazy<JsonElement[]> Functions = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppOutput, "functions.metadata"))).RootElement.EnumerateArray().ToArray());

    private sealed record HttpFunction(string Name, string Route, string AuthLevel, IReadOnlyList<string> Methods);

    private static IEnumerable<HttpFunction> HttpFunctions() =>
        from f in Functions.Value
        from b in f.GetProperty("bindings").EnumerateArray()
        where b.GetProperty("type").GetString() == "httpTrigger"
        select new HttpFunction(f.GetProperty("name").GetString()!, b.GetProperty("route").GetString()!, b.GetProperty("authLevel").GetString()!,
            b.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant()).ToList());

    private static IEnumerable<(string Function, JsonElement Binding)> Triggers(string type) =>
        from f in Functions.Value
        from b in f.GetProperty("bindings").EnumerateArray()
        where b.GetProperty("type").GetString() == type
        select (f.GetProperty("name").GetString()!, b);

    /// <summary>Route parameters are named differently in prose (<c>{id}</c>) and code (<c>{petitionId}</c>); only their place counts.</summary>
    private static string Shape(string route) => Parameter().Replace(route.TrimStart('/'), "{}");

    /// <summary>Every route the README documents in its tables: rows whose first cell is <c>`METHOD[, METHOD] /path`</c>.</summary>
    private static IReadOnlyList<(string Method, string Route)> ReadmeRoutes() =>
        ReadmeRoute().Matches(File.ReadAllText(Path.Combine(Root, "README.md")))
            .SelectMany(m => m.Groups["methods"].Value.Split(", ").Select(method => (method, Shape(m.Groups["path"].Value))))
            // The Functions host's own admin API, which the local host imitates; no function of ours serves it.
            .Where(r => !r.Item2.StartsWith("admin/", StringComparison.Ordinal))
            .Distinct().ToList();

    [Fact]
    public void The_build_writes_the_metadata_Azure_loads()
    {
        Assert.True(File.Exists(Path.Combine(AppOutput, "functions.metadata")), $"no functions.metadata in {AppOutput}");
        Assert.True(File.Exists(Path.Combine(AppOutput, "extensions.json")), $"no extensions.json in {AppOutput}");
        Assert.NotEmpty(Functions.Value);
    }

    [Fact]
    public void Every_route_of_the_README_contract_is_a_function_with_its_method()
    {
        var routes = ReadmeRoutes();
        Assert.True(routes.Count >= 28, $"only {routes.Count} routes read from the README");
        var served = HttpFunctions().SelectMany(f => f.Methods.Select(m => (m, Shape(f.Route)))).ToHashSet();
        Assert.All(routes, r => Assert.True(served.Contains(r), $"README documents {r.Method} /{r.Route}, which no function serves"));
    }

    [Fact]
    public void Every_function_route_is_documented_in_the_README()
    {
        var documented = ReadmeRoutes().ToHashSet();
        Assert.All(HttpFunctions().SelectMany(f => f.Methods.Select(m => (m, Shape(f.Route)))),
            r => Assert.True(documented.Contains(r), $"{r.Item1} /{r.Item2} is served but not in the README's contract"));
    }

    [Fact]
    public void Every_route_of_the_catalogue_is_a_function()
    {
        var served = HttpFunctions().Select(f => f.Route).ToHashSet();
        var catalogue = typeof(Routes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name != nameof(Routes.AdminPrefix)).Select(f => (string)f.GetRawConstantValue()!).ToList();
        Assert.True(catalogue.Count >= 23, $"{catalogue.Count} routes in the catalogue");
        Assert.All(catalogue, route => Assert.Contains(route, served));
    }

    [Fact]
    public void Public_routes_are_anonymous_and_every_admin_route_needs_a_function_key()
    {
        var functions = HttpFunctions().ToList();
        output.WriteLine("public: " + Describe(functions.First(f => f.Name == "GetPetition")));
        output.WriteLine("admin:  " + Describe(functions.First(f => f.Name == "PutPetition")));
        Assert.All(functions, f => Assert.Equal(f.Route.StartsWith(Routes.AdminPrefix, StringComparison.Ordinal) ? "Function" : "Anonymous", f.AuthLevel));
        Assert.Contains(functions, f => f.AuthLevel == "Function");
    }

    [Fact]
    public void Console_routes_are_anonymous_for_the_platform_because_the_console_session_checks_them()
    {
        // The platform's keys cannot tell one organizer from another: the console's own session does (the integration
        // tests prove that every console API answers 401 without one). So these routes, and only routes outside the admin
        // prefix, are anonymous; none of them may sit under the admin prefix, which would put the shared key in front.
        var console = HttpFunctions().Where(f => f.Route.StartsWith("api/console/", StringComparison.Ordinal) || f.Route.StartsWith("console", StringComparison.Ordinal)).ToList();
        Assert.True(console.Count >= 10, $"{console.Count} console routes");
        Assert.All(console, f => Assert.Equal("Anonymous", f.AuthLevel));
        Assert.All(console, f => Assert.False(f.Route.StartsWith(Routes.AdminPrefix, StringComparison.Ordinal), f.Route));
    }

    private static string Describe(HttpFunction f) => $"{f.Name}: {string.Join(",", f.Methods)} /{f.Route} authLevel={f.AuthLevel}";

    [Fact]
    public void No_route_begins_with_admin_which_the_host_reserves_for_itself()
    {
        Assert.All(HttpFunctions(), f => Assert.False(f.Route.TrimStart('/').StartsWith("admin", StringComparison.OrdinalIgnoreCase), f.Route));
    }

    [Fact]
    public void The_queue_triggers_listen_on_signatures_webhooks_and_updates_through_the_default_storage_connection()
    {
        var triggers = Triggers("queueTrigger").ToDictionary(t => t.Function, t => t.Binding);
        Assert.Equal(new[] { SignatureProcessor.FunctionName, SignaturePipeline.Webhooks.WebhookSender.FunctionName, SignaturePipeline.Updates.UpdateFanOut.FunctionName }.Order(StringComparer.Ordinal),
            triggers.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(QueueNames.Signatures, triggers[SignatureProcessor.FunctionName].GetProperty("queueName").GetString());
        // Webhooks and updates have queues of their own: they never wait behind signatures, nor signatures behind them.
        Assert.Equal(QueueNames.Webhooks, triggers[SignaturePipeline.Webhooks.WebhookSender.FunctionName].GetProperty("queueName").GetString());
        Assert.Equal(QueueNames.Updates, triggers[SignaturePipeline.Updates.UpdateFanOut.FunctionName].GetProperty("queueName").GetString());
        foreach (var binding in triggers.Values)
        {
            // No connection named: the host uses AzureWebJobsStorage, which the Bicep wires to the managed identity.
            var connection = binding.TryGetProperty("connection", out var c) ? c.GetString() : null;
            Assert.True(string.IsNullOrEmpty(connection) || connection == "AzureWebJobsStorage", $"connection {connection}");
        }
    }

    [Fact]
    public void Every_timer_schedule_setting_is_in_the_sample_settings_and_the_Bicep()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "local.settings.sample.json")));
        var values = sample.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name).ToHashSet();
        var bicep = File.ReadAllText(Path.Combine(Root, "infra", "app", "api.bicep"));
        var timers = Triggers("timerTrigger").ToList();
        Assert.True(timers.Count >= 5, $"{timers.Count} timers");
        foreach (var (function, binding) in timers)
        {
            var schedule = binding.GetProperty("schedule").GetString()!;
            // A schedule written into the code could not be changed without a deploy; a %Setting% the host cannot
            // resolve keeps the whole function from loading in Azure.
            var setting = Assert.Single(SettingReference().Matches(schedule)).Groups["name"].Value;
            Assert.True(values.Contains(setting), $"{function}: {setting} is not in local.settings.sample.json");
            Assert.True(Regex.IsMatch(bicep, $@"^\s*{Regex.Escape(setting)}:", RegexOptions.Multiline), $"{function}: {setting} is not an app setting in api.bicep");
        }
    }

    [Fact]
    public void The_queue_extension_is_registered_for_the_host()
    {
        using var extensions = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppOutput, "extensions.json")));
        var registered = extensions.RootElement.GetProperty("extensions").EnumerateArray().ToList();
        var queues = Assert.Single(registered, e => e.GetProperty("name").GetString() == "AzureStorageQueues");
        var hint = queues.GetProperty("hintPath").GetString()!;
        Assert.True(File.Exists(Path.Combine(AppOutput, hint)), $"{hint} is missing from the build output");
    }

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Parameter();

    [GeneratedRegex(@"^\| `(?<methods>(?:GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS)(?:, (?:GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS))*) (?<path>/[^`\s\[?]*)[^`]*` \|", RegexOptions.Multiline)]
    private static partial Regex ReadmeRoute();

    [GeneratedRegex(@"%(?<name>[A-Za-z0-9_]+)%")]
    private static partial Regex SettingReference();
}
