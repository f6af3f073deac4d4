using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SignaturePipeline.LocalHost;
using SignaturePipeline.LocalHost.Azurite;
using SignaturePipeline.Petitions;

namespace SignaturePipeline.IntegrationTests.Infrastructure;

/// <summary>
/// One real Azurite for the whole test run (free ports, in memory). Tests isolate themselves by using
/// their own petition ids, never by faking storage.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public const string AdminKey = "test-admin-key";
    public const string SecretKey = "integration-test-secret-key-0123456789";

    public AzuriteProcess Azurite { get; private set; } = null!;

    public static string RepositoryRoot => LocalSettings.FindRoot(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException("Run the tests from inside the repository.");

    public async Task InitializeAsync() => Azurite = await AzuriteProcess.StartAsync(RepositoryRoot, location: null);

    public async Task DisposeAsync() => await Azurite.DisposeAsync();

    private const string Never = "0 0 0 1 1 *";

    private static readonly string[] TimerSchedules = [.. SignaturePipeline.Timers.PipelineTimers.All.Select(t => t.ScheduleSetting)];

    /// <summary>The settings a host gets: the production names, pointed at this Azurite.</summary>
    public Dictionary<string, string?> Settings(IDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["AzureWebJobsStorage"] = Azurite.ConnectionString,
            ["AdminKey"] = AdminKey,
            ["Pipeline:SecretKey"] = SecretKey,
            ["Pipeline:ShardCount"] = "4",
            ["Pipeline:PetitionCacheSeconds"] = "0",
            // Tests read counts right after they change; the read path's sharing has its own tests (Petitions/).
            ["Pipeline:CountCacheMilliseconds"] = "0",
            ["LocalHost:StartAzurite"] = "false",
            ["LocalHost:SeedDemoPetitions"] = "false",
            ["LocalHost:Queues:MaxPollingInterval"] = "00:00:00.200",
            ["LocalHost:Queues:VisibilityTimeout"] = "00:00:00",
            ["urls"] = "http://127.0.0.1:0",
            // The daily email caps live in the shared Azurite, and every test signs from loopback, often with the same
            // addresses: with the production caps, earlier tests would use up later ones' budget. Cap tests set their own.
            ["Confirmation:MaxEmailsPerAddressPerDay"] = "1000",
            ["Confirmation:MaxEmailsPerIpPerDay"] = "1000000",
        };
        // Timers run only when a test asks (POST /admin/functions/{name}): a sweep on the sample's wall-clock schedule
        // would send another test's leftovers through this host's transport in whichever test it happened to fall.
        foreach (var schedule in TimerSchedules) settings[schedule] = Never;
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) settings[key] = value;
        return settings;
    }

    /// <summary>The production registration (<c>AddSignaturePipeline</c>) without any host, for handler-level tests.</summary>
    public async Task<ServiceProvider> BuildServicesAsync(IDictionary<string, string?>? overrides = null, Action<IServiceCollection>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings(overrides)).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSignaturePipeline(configuration);
        configure?.Invoke(services);
        var provider = services.BuildServiceProvider();
        await InitializeStorageAsync(provider);
        return provider;
    }

    /// <summary>Creates the tables, queues and containers, as the hosts do on start (the storage initializer).</summary>
    public static async Task InitializeStorageAsync(IServiceProvider provider)
    {
        foreach (var hosted in provider.GetServices<IHostedService>().OfType<Storage.StorageInitializer>())
            await hosted.StartAsync(CancellationToken.None);
    }

    /// <summary>Starts the real local host (Kestrel on a free port, queue and timer pumps) against this Azurite.</summary>
    public async Task<RunningHost> StartHostAsync(IDictionary<string, string?>? overrides = null, Action<IServiceCollection>? configure = null)
    {
        var app = LocalHostApp.Build([], Settings(overrides), configure);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RunningHost(app, new Uri(address));
    }

    public static PetitionDefinition Definition(string title = "Test petition", string status = "open", params PetitionDefinition.TargetDefinition[] targets) => new()
    {
        Title = title,
        Letter = "Dear Governor,\n\nPlease act.",
        Targets = targets.Length > 0 ? [.. targets] : [new("governor", "Gov. Test", "governor@deliveries.example.org", "NY")],
        Organizers = ["organizer@example.org"],
        Goal = 100,
        Milestones = [],
        Status = status,
        AllowedOrigins = ["https://campaign.example.org"],
        // These tests are about counting; confirmation by email has its own tests (Confirmation/), which turn it on.
        RequireConfirmation = false,
    };

    public static string NewPetitionId(string prefix = "t") => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 33)];
}

public sealed class RunningHost(WebApplication app, Uri address) : IAsyncDisposable
{
    public WebApplication App { get; } = app;
    public Uri Address { get; } = address;
    public IServiceProvider Services => App.Services;

    public HttpClient CreateClient(string? adminKey = null)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
        if (adminKey is not null) client.DefaultRequestHeaders.Add("x-functions-key", adminKey);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteGroup : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
