using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SignaturePipeline.Functions;

namespace SignaturePipeline.Tests.FunctionsApp;

/// <summary>
/// The worker built as Program.cs builds it, with the settings infra/app/api.bicep gives the app in Azure, and every
/// function class created the way the worker creates it per invocation. A missing registration, a captive dependency
/// or a setting that fails validation fails here, not at the first request in Azure.
/// </summary>
public sealed partial class WorkerCompositionTests
{
    /// <summary>The Bicep's app settings with plausible values (placeholders where Bicep computes them), plus what the platform sets.</summary>
    private static readonly Dictionary<string, string?> AzureSettings = new()
    {
        ["AzureWebJobsStorage__credential"] = "managedidentity",
        ["AzureWebJobsStorage__clientId"] = "11111111-2222-3333-4444-555555555555",
        ["AzureWebJobsStorage__blobServiceUri"] = "https://sigstore.blob.core.windows.net/",
        ["AzureWebJobsStorage__queueServiceUri"] = "https://sigstore.queue.core.windows.net/",
        ["AzureWebJobsStorage__tableServiceUri"] = "https://sigstore.table.core.windows.net/",
        ["AzureWebJobsDisableHomepage"] = "true",
        ["AZURE_CLIENT_ID"] = "11111111-2222-3333-4444-555555555555",
        ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://eastus-8.in.applicationinsights.azure.com/",
        ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] = "ClientId=11111111-2222-3333-4444-555555555555;Authorization=AAD",
        ["Pipeline__SecretKey"] = "a-secret-key-of-thirty-two-bytes-or-more",
        ["Pipeline__ShardCount"] = "8",
        ["Pipeline__PublicBaseUrl"] = "https://func-sigs-abc123.azurewebsites.net",
        ["Email__Transport"] = "acs",
        ["Email__From"] = "DoNotReply@0000.azurecomm.net",
        ["Email__Acs__Endpoint"] = "https://acs-sigs.unitedstates.communication.azure.com/",
        ["Email__Acs__UseManagedIdentity"] = "true",
        ["SendMilestoneEmailsSchedule"] = "0 */5 * * * *",
        ["CompileWeeklyDeliveriesSchedule"] = "0 0 13 * * 1",
        ["FinishDeliveriesSchedule"] = "0 */10 * * * *",
        ["SendSignerEmailsSchedule"] = "0 */2 * * * *",
        ["AnonymiseClosedPetitionsSchedule"] = "0 30 3 * * *",
        ["BackupTablesSchedule"] = "0 0 2 * * *",
        ["DispatchWebhooksSchedule"] = "*/30 * * * * *",
        ["Pipeline__TokenKeyVersion"] = "1",
        ["WEBSITE_HOSTNAME"] = "func-sigs-abc123.azurewebsites.net",
    };

    private static IHost BuildWorker(IDictionary<string, string?> settings)
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        // App settings reach the worker as environment variables, where "__" nests a section.
        builder.Configuration.AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key.Replace("__", ":", StringComparison.Ordinal), s.Value)));
        return builder.AddSignaturePipelineWorker().Build();
    }

    private static IEnumerable<Type> FunctionClasses() =>
        typeof(FunctionsWorker).Assembly.GetTypes()
            .Where(t => t.GetMethods().Any(m => m.GetCustomAttribute<FunctionAttribute>() is not null));

    [Fact]
    public void The_test_settings_are_the_ones_the_Bicep_deploys()
    {
        var bicep = File.ReadAllText(Path.Combine(RepositoryRoot.Find(), "infra", "app", "api.bicep"));
        var block = bicep[bicep.IndexOf("resource appSettings", StringComparison.Ordinal)..];
        var deployed = AppSetting().Matches(block).Select(m => m.Groups["name"].Value).ToList();
        Assert.NotEmpty(deployed);
        Assert.All(deployed, name => Assert.Contains(name, AzureSettings.Keys));
    }

    [Fact]
    public void The_worker_builds_with_Azure_settings_and_creates_every_function_class()
    {
        using var host = BuildWorker(AzureSettings);
        // What ValidateOnStart would check when the worker starts: every options class with Azure's values.
        host.Services.GetRequiredService<IStartupValidator>().Validate();

        var classes = FunctionClasses().ToList();
        Assert.True(classes.Count >= 7, $"{classes.Count} function classes");
        using var scope = host.Services.CreateScope();
        Assert.All(classes, type => Assert.NotNull(ActivatorUtilities.CreateInstance(scope.ServiceProvider, type)));
    }

    [Fact]
    public void Telemetry_is_exported_only_when_a_connection_string_is_set()
    {
        using (var withTelemetry = BuildWorker(AzureSettings))
            Assert.NotNull(withTelemetry.Services.GetService<OpenTelemetry.Trace.TracerProvider>());

        var local = new Dictionary<string, string?>(AzureSettings) { ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "" };
        using var withoutTelemetry = BuildWorker(local);
        Assert.Null(withoutTelemetry.Services.GetService<OpenTelemetry.Trace.TracerProvider>());
    }

    [Fact]
    public void A_bad_setting_fails_the_worker_at_start()
    {
        var settings = new Dictionary<string, string?>(AzureSettings) { ["Pipeline__SecretKey"] = "short" };
        using var host = BuildWorker(settings);
        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("SecretKey", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ClientId=abc;Authorization=AAD", "abc")]
    [InlineData("Authorization=AAD;ClientId=abc", "abc")]
    [InlineData("Authorization=AAD", null)]
    [InlineData("ClientId=abc", null)]
    [InlineData("", null)]
    public void The_exporter_authenticates_as_the_identity_the_platform_setting_names(string setting, string? clientId) =>
        Assert.Equal(clientId, FunctionsWorker.ManagedIdentityClientId(setting));

    [GeneratedRegex(@"^\s{6}(?<name>[A-Za-z_][A-Za-z0-9_]*):", RegexOptions.Multiline)]
    private static partial Regex AppSetting();
}
