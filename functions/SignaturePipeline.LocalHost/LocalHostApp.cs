using SignaturePipeline.Intake;
using SignaturePipeline.LocalHost.Azurite;
using SignaturePipeline.LocalHost.Triggers;
using SignaturePipeline.Storage;
using SignaturePipeline.Updates;
using SignaturePipeline.Web;
using SignaturePipeline.Webhooks;

namespace SignaturePipeline.LocalHost;

/// <summary>
/// The local host: the pipeline's handlers behind the same triggers as the Functions app, on
/// http://localhost:7071 like <c>func start</c>. Program.cs runs it; the integration tests and the
/// benchmark build it in-process with their own storage.
/// </summary>
public static class LocalHostApp
{
    public static WebApplication Build(string[] args, IDictionary<string, string?>? overrides = null, Action<IServiceCollection>? configure = null)
    {
        var root = LocalSettings.FindRoot();
        var (settingsPath, values, port) = LocalSettings.Load(root);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

        // Precedence, lowest first: local settings file, environment, command line, then the caller's overrides.
        var sources = builder.Configuration.Sources;
        sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = values });
        if (overrides is not null) builder.Configuration.AddInMemoryCollection(overrides);
        // `dotnet run --project` starts in the project folder; data paths in the settings mean the repository root.
        if (root is not null && builder.Configuration["Email:PickupDirectory"] is { Length: > 0 } pickup && !Path.IsPathRooted(pickup))
            builder.Configuration.AddInMemoryCollection([new("Email:PickupDirectory", Path.Combine(root, pickup))]);

        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
            builder.WebHost.UseUrls($"http://localhost:{port ?? 7071}");
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });

        var services = builder.Services;
        // Azurite first: hosted services start in order, and the pipeline creates its tables on start.
        services.AddOptions<AzuriteOptions>().Bind(builder.Configuration.GetSection(AzuriteOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<AzuriteLauncher>();
        services.AddSignaturePipeline(builder.Configuration);
        services.AddSignaturePipelineHttp();
        services.AddHostedService<DemoPetitionSeeder>();
        services.AddOptions<QueueTriggerOptions>().Bind(builder.Configuration.GetSection(QueueTriggerOptions.Section));

        services.AddSingleton(new QueueFunction(SignatureProcessor.FunctionName, QueueNames.Signatures,
            (sp, message, ct) => sp.GetRequiredService<SignatureProcessor>().ProcessAsync(message.MessageText, message.MessageId, message.DequeueCount, ct)));
        services.AddSingleton(new QueueFunction(WebhookSender.FunctionName, QueueNames.Webhooks,
            (sp, message, ct) => sp.GetRequiredService<WebhookSender>().ProcessAsync(message.MessageText, ct)));
        services.AddSingleton(new QueueFunction(UpdateFanOut.FunctionName, QueueNames.Updates,
            (sp, message, ct) => sp.GetRequiredService<UpdateFanOut>().ProcessAsync(message.MessageText, ct)));
        services.AddSingleton<QueueTriggerHost>();
        services.AddHostedService(sp => sp.GetRequiredService<QueueTriggerHost>());
        services.AddSingleton<TimerTriggerHost>();
        services.AddHostedService(sp => sp.GetRequiredService<TimerTriggerHost>());
        services.AddSingleton<AdminKeyFilter>();
        // Tests swap what leaves the machine (an email transport, a clock) here, after the production registration.
        configure?.Invoke(services);

        var app = builder.Build();
        app.Logger.LogInformation("Settings from {SettingsFile}", settingsPath ?? "(environment only)");
        app.UseMiddleware<Web.Http.RequestLog>();
        app.MapSignaturePipeline().AddEndpointFilter<AdminKeyFilter>();
        app.MapPost("/admin/functions/{name}", async (string name, TimerTriggerHost timers, CancellationToken ct) =>
            await timers.RunNowAsync(name, ct).ConfigureAwait(false) ? Results.Accepted() : Results.NotFound())
            .AddEndpointFilter<AdminKeyFilter>();
        return app;
    }
}
