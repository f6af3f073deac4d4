using System.Diagnostics;

namespace SignaturePipeline.IntegrationTests.Faults;

/// <summary>
/// The real local host as a separate process, so it can die as a process dies: SIGKILL, mid-batch, with no
/// chance to release its messages or finish its writes.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly string _name;
    private readonly Dictionary<string, string> _environment;
    private readonly object _logLock = new();
    private Process? _process;

    public HostProcess(string name, int port, IDictionary<string, string> environment, string logPath)
    {
        _name = name;
        LogPath = logPath;
        Port = port;
        _environment = new Dictionary<string, string>(environment) { ["urls"] = $"http://127.0.0.1:{port}" };
    }

    public int Port { get; }
    /// <summary>Every line the host printed, across its restarts, each stamped with the time it was read.</summary>
    public string LogPath { get; }
    public Uri Address => new($"http://127.0.0.1:{Port}");
    public bool IsRunning => _process is { HasExited: false };
    public int? ProcessId => _process?.Id;

    public async Task StartAsync(TimeSpan timeout)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SignaturePipeline.LocalHost.dll"));
        foreach (var (key, value) in _environment) start.Environment[key] = value;
        _process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start host {_name}.");
        Append($"--- host {_name} started (pid {_process.Id})");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) Append(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Append(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_process.HasExited) throw new InvalidOperationException($"Host {_name} exited with {_process.ExitCode} while starting.");
            try
            {
                if ((await client.GetAsync("/api/petitions")).IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"Host {_name} did not answer within {timeout}.");
    }

    /// <summary>SIGKILL, as an instance that is torn down or crashes.</summary>
    public void Kill()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        Append($"--- host {_name} killed");
    }

    private void Append(string line)
    {
        lock (_logLock) File.AppendAllText(LogPath, $"{DateTime.UtcNow:HH:mm:ss.fff} {line}{Environment.NewLine}");
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        return ValueTask.CompletedTask;
    }
}
