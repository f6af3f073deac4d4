using Azure.Identity;
using Azure.Monitor.OpenTelemetry.AspNetCore;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.Web;

namespace SignaturePipeline.Functions;

/// <summary>
/// Everything the worker registers, in one place: Program.cs runs it, and a test builds it with the settings Azure
/// gives the app and creates every function class, so a missing registration fails a build, not the first request.
/// </summary>
public static class FunctionsWorker
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string AuthenticationStringSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    public static FunctionsApplicationBuilder AddSignaturePipelineWorker(this FunctionsApplicationBuilder builder)
    {
        // ASP.NET Core integration: HttpRequest in, IResult out, the same types the local host uses.
        // Never also call ConfigureFunctionsWorkerDefaults: the two together hang or fail with AZFW0014.
        builder.ConfigureFunctionsWebApplication();

        if (builder.Configuration[ConnectionStringSetting] is { Length: > 0 } connectionString)
        {
            // host.json's telemetryMode makes the host export its side the same way, so the two correlate.
            builder.Services.AddOpenTelemetry()
                .UseAzureMonitor(options =>
                {
                    options.ConnectionString = connectionString;
                    if (ManagedIdentityClientId(builder.Configuration[AuthenticationStringSetting]) is { } clientId)
                        options.Credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
                })
                .UseFunctionsWorkerDefaults();
        }

        builder.Services.AddSignaturePipeline(builder.Configuration);
        builder.Services.AddSignaturePipelineHttp();

        // Checked when the worker starts, not when a request first needs the service.
        builder.ConfigureContainer(new DefaultServiceProviderFactory(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }));
        return builder;
    }

    /// <summary>
    /// Application Insights has local authentication off (infra/app/monitoring.bicep), so telemetry needs an Entra token.
    /// The platform's own setting, <c>ClientId=…;Authorization=AAD</c>, names the identity; the exporter is told the same.
    /// </summary>
    public static string? ManagedIdentityClientId(string? authenticationString)
    {
        if (string.IsNullOrWhiteSpace(authenticationString)) return null;
        var parts = authenticationString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        return parts.TryGetValue("Authorization", out var auth) && auth.Equals("AAD", StringComparison.OrdinalIgnoreCase)
            && parts.TryGetValue("ClientId", out var clientId) && clientId.Length > 0 ? clientId : null;
    }
}
