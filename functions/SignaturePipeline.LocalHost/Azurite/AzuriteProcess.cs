using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SignaturePipeline.LocalHost.Azurite;

/// <summary>
/// Runs Azurite (npm azurite, pinned in the repository's package.json) as a child process: real Blob, Queue
/// and Table services on loopback, for tests and the benchmark (free ports, usually in memory). It shares their
/// process group, so it dies with a test run that is stopped. The local host runs its own through
/// <see cref="DetachedAzurite"/> instead, which outlives a crash of the host.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    public const string AccountName = "devstoreaccount1";
    /// <summary>A folder: when set, node profiles Azurite's CPU and writes a <c>.cpuprofile</c> there on stop (benchmark work).</summary>
    public const string CpuProfileVariable = "AZURITE_CPU_PROFILE_DIR";
    // Azurite's documented development key: public by design, useless against Azure.
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;

    private AzuriteProcess(Process process, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    public int BlobPort { get; }
    public int QueuePort { get; }
    public int TablePort { get; }
    public int ProcessId => _process.Id;

    public string ConnectionString => ConnectionStringFor(BlobPort, QueuePort, TablePort);

    /// <summary>The development account on loopback, on these ports.</summary>
    public static string ConnectionStringFor(int blobPort, int queuePort, int tablePort) =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{blobPort}/{AccountName};QueueEndpoint=http://127.0.0.1:{queuePort}/{AccountName};TableEndpoint=http://127.0.0.1:{tablePort}/{AccountName};";

    /// <summary>Starts Azurite and waits until all three services accept connections.</summary>
    /// <param name="root">The repository root, holding package.json and node_modules.</param>
    /// <param name="location">A data folder, or null to keep everything in memory.</param>
    public static async Task<AzuriteProcess> StartAsync(string root, string? location, int blobPort = 0, int queuePort = 0, int tablePort = 0, CancellationToken ct = default)
    {
        await EnsureInstalledAsync(root, ct).ConfigureAwait(false);
        // A port picked free can be taken by another process before node binds it; picked ports are picked again.
        var picked = blobPort == 0 && queuePort == 0 && tablePort == 0;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(root, location, blobPort, queuePort, tablePort, ct).ConfigureAwait(false);
            }
            catch (AzuriteExitedException) when (picked && attempt < 3)
            {
            }
        }
    }

    private sealed class AzuriteExitedException(string message) : InvalidOperationException(message);

    private static async Task<AzuriteProcess> StartOnceAsync(string root, string? location, int blobPort, int queuePort, int tablePort, CancellationToken ct)
    {
        blobPort = blobPort == 0 ? FreePort() : blobPort;
        queuePort = queuePort == 0 ? FreePort() : queuePort;
        tablePort = tablePort == 0 ? FreePort() : tablePort;

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // For profiling Azurite itself (the benchmark's other half): node writes a .cpuprofile there when Azurite stops.
        if (Environment.GetEnvironmentVariable(CpuProfileVariable) is { Length: > 0 } profiles)
        {
            start.ArgumentList.Add("--cpu-prof");
            start.ArgumentList.Add("--cpu-prof-dir=" + profiles);
        }
        foreach (var arg in Arguments(root, location, blobPort, queuePort, tablePort)) start.ArgumentList.Add(arg);

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for Azurite.");
        var errors = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (errors) errors.AppendLine(e.Data); };
        // Azurite says when each service has bound its port; a port that merely accepts connections may be another process's.
        var listening = 0;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            if (e.Data.Contains("successfully listening", StringComparison.Ordinal)) Interlocked.Increment(ref listening);
            // Its start-up errors ("Exit due to unhandled error: listen EADDRINUSE ...") come on stdout.
            else if (e.Data.Contains("error", StringComparison.OrdinalIgnoreCase)) lock (errors) errors.AppendLine(e.Data);
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();

        var azurite = new AzuriteProcess(process, blobPort, queuePort, tablePort);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Volatile.Read(ref listening) < 3)
        {
            if (process.HasExited)
            {
                process.WaitForExit(); // the error output, whole
                var code = process.ExitCode;
                process.Dispose();
                throw new AzuriteExitedException($"Azurite exited with code {code} (ports {blobPort}/{queuePort}/{tablePort}): {errors}");
            }
            if (DateTime.UtcNow > deadline)
            {
                await azurite.DisposeAsync().ConfigureAwait(false);
                throw new TimeoutException($"Azurite did not open ports {blobPort}/{queuePort}/{tablePort} within 30 s. {errors}");
            }
            await Task.Delay(100, ct).ConfigureAwait(false);
        }
        return azurite;
    }

    /// <summary>node's arguments: Azurite on loopback, on these ports, with data in <paramref name="location"/> (null: in memory).</summary>
    internal static List<string> Arguments(string root, string? location, int blobPort, int queuePort, int tablePort)
    {
        var arguments = new List<string>
        {
            Path.Combine(root, "node_modules", "azurite", "dist", "src", "azurite.js"),
            "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
            "--blobPort", blobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queuePort", queuePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tablePort", tablePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // The SDKs default to a service version newer than Azurite 3.37 knows.
            "--skipApiVersionCheck", "--disableTelemetry", "--silent",
        };
        if (location is null) arguments.Add("--inMemoryPersistence");
        else
        {
            Directory.CreateDirectory(location);
            arguments.Add("--location");
            arguments.Add(location);
        }
        return arguments;
    }

    /// <summary>Installs the pinned Azurite with <c>npm ci</c> when a fresh clone has no node_modules yet.</summary>
    public static async Task EnsureInstalledAsync(string root, CancellationToken ct)
    {
        if (File.Exists(Path.Combine(root, "node_modules", "azurite", "dist", "src", "azurite.js"))) return;
        var npm = new ProcessStartInfo("npm") { WorkingDirectory = root, UseShellExecute = false };
        foreach (var arg in new[] { "ci", "--no-audit", "--no-fund" }) npm.ArgumentList.Add(arg);
        using var process = Process.Start(npm) ?? throw new InvalidOperationException("Could not run npm: install Node.js 20 or newer.");
        await process.WaitForExitAsync(ct).ConfigureAwait(false);
        if (process.ExitCode != 0) throw new InvalidOperationException($"'npm ci' failed with exit code {process.ExitCode} in {root}.");
    }

    public static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>SIGKILL, as a crash would. Data written with --location survives it.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Environment.GetEnvironmentVariable(CpuProfileVariable) is { Length: > 0 } && !_process.HasExited)
            {
                // A killed node writes no profile: ask it to stop (SIGINT), as Ctrl+C would.
                using (var interrupt = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) interrupt.WaitForExit();
                _process.WaitForExit(TimeSpan.FromSeconds(30));
            }
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
    }
}
