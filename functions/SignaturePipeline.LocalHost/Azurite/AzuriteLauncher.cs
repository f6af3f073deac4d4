using SignaturePipeline.Storage;

namespace SignaturePipeline.LocalHost.Azurite;

/// <summary>
/// Starts Azurite with the local host when storage is the development account and nothing listens on its
/// ports yet, with data on disk under <c>.data/azurite</c>, and stops it when the host stops.
/// Registered before the pipeline, so storage is up before the tables are created.
/// </summary>
public sealed class AzuriteLauncher(StorageConnection storage, IConfiguration configuration, ILogger<AzuriteLauncher> logger) : IHostedService
{
    private AzuriteProcess? _azurite;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!storage.IsDevelopmentStorage || !configuration.GetValue("LocalHost:StartAzurite", true)) return;
        if (AzuriteProcess.IsListening(10000) && AzuriteProcess.IsListening(10001) && AzuriteProcess.IsListening(10002))
        {
            logger.LogInformation("Storage emulator already listening on 10000-10002; using it");
            return;
        }
        var root = LocalSettings.FindRoot() ?? throw new InvalidOperationException("Run the local host from inside the repository: it needs package.json for Azurite.");
        var location = Path.Combine(root, ".data", "azurite");
        logger.LogInformation("Starting Azurite with data in {Location}", location);
        _azurite = await AzuriteProcess.StartAsync(root, location, 10000, 10001, 10002, cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_azurite is null) return;
        logger.LogInformation("Stopping Azurite (pid {Pid})", _azurite.ProcessId);
        await _azurite.DisposeAsync().ConfigureAwait(false);
    }
}
