using System.ComponentModel.DataAnnotations;
using SignaturePipeline.Storage;

namespace SignaturePipeline.LocalHost.Azurite;

/// <summary>Where the local host keeps Azurite's data, read from <c>LocalHost:Azurite</c>.</summary>
public sealed class AzuriteOptions
{
    public const string Section = "LocalHost:Azurite";

    /// <summary>Azurite's data folder; relative to the repository root. Its log and pid file go there too.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Location { get; set; } = Path.Combine(".data", "azurite");
}

/// <summary>
/// Runs Azurite for the local host when storage is the development account (<c>UseDevelopmentStorage=true</c>, or
/// an explicit development-account string on loopback ports), with data on disk. It outlives a crash of the host
/// (<see cref="DetachedAzurite"/>): the next start reuses the one it finds recorded, or any emulator already
/// listening on the ports, and only a clean shutdown (Ctrl+C, SIGTERM) stops the one this host started or reused.
/// Registered before the pipeline, so storage is up before the tables are created.
/// </summary>
public sealed class AzuriteLauncher(StorageConnection storage, IConfiguration configuration, IOptions<AzuriteOptions> options, ILogger<AzuriteLauncher> logger) : IHostedService
{
    /// <summary>How long a clean shutdown waits for Azurite to save and exit (it takes well under a second) before killing it.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    private DetachedAzurite? _azurite;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!configuration.GetValue("LocalHost:StartAzurite", true) || !AzuritePorts.TryFrom(storage.ConnectionString, out var ports)) return;
        var root = LocalSettings.FindRoot() ?? throw new InvalidOperationException("Run the local host from inside the repository: it needs package.json for Azurite.");
        var location = Path.GetFullPath(Path.Combine(root, options.Value.Location));

        if (DetachedAzurite.FindRunning(location, ports) is { } recorded)
        {
            if (ports.AllListening)
            {
                logger.LogInformation("Reusing Azurite (pid {Pid}) on ports {Ports} with data in {Location}, still running from an earlier start", recorded.ProcessId, ports, location);
                _azurite = recorded;
                return;
            }
            // Started by a host that died before it listened, or no longer answering: a fresh one is surer.
            logger.LogWarning("Azurite (pid {Pid}) runs on {Location} but does not listen on ports {Ports}; restarting it", recorded.ProcessId, location, ports);
            await recorded.StopAsync(StopTimeout).ConfigureAwait(false);
        }
        else if (ports.AllListening)
        {
            logger.LogInformation("Storage emulator already listening on ports {Ports}; using it, and leaving it running on shutdown", ports);
            return;
        }

        logger.LogInformation("Starting Azurite on ports {Ports} with data in {Location}, log in {Log}", ports, location, DetachedAzurite.LogFile(location));
        _azurite = await DetachedAzurite.StartAsync(root, location, ports, cancellationToken).ConfigureAwait(false);
        if (!_azurite.InOwnSession)
            logger.LogWarning("No setsid on this system: Azurite (pid {Pid}) shares the host's process group and dies with it, losing its last unsaved seconds", _azurite.ProcessId);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_azurite is null) return;
        logger.LogInformation("Stopping Azurite (pid {Pid}); it saves its data first", _azurite.ProcessId);
        if (await _azurite.StopAsync(StopTimeout).ConfigureAwait(false))
            logger.LogInformation("Azurite (pid {Pid}) stopped", _azurite.ProcessId);
        else
            logger.LogWarning("Azurite (pid {Pid}) did not stop within {Timeout}; killed it: writes it had not saved may be lost", _azurite.ProcessId, StopTimeout);
    }
}
