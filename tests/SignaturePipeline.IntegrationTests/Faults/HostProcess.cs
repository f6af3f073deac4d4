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
    private readonly bool _ownProcessGroup;
    private Process? _process;

    /// <param name="ownProcessGroup">Run it as a shell runs a command: the leader of a process group of its own, which
    /// Ctrl+C, a closed terminal or a supervisor signals as a whole (<see cref="KillProcessGroup"/>).</param>
    public HostProcess(string name, int port, IDictionary<string, string> environment, string logPath, bool ownProcessGroup = false)
    {
        _name = name;
        _ownProcessGroup = ownProcessGroup;
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
        var start = new ProcessStartInfo(_ownProcessGroup ? "setsid" : "dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // setsid execs dotnet in turn, so the pid started here is the host's, and the group's id.
        if (_ownProcessGroup) start.ArgumentList.Add("dotnet");
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

    /// <summary>SIGKILL to the host's whole process group, as a terminal or a supervisor kills a job: whatever
    /// the host started in its own group dies with it.</summary>
    public void KillProcessGroup()
    {
        if (!_ownProcessGroup) throw new InvalidOperationException($"Host {_name} does not lead a process group of its own.");
        if (_process is null || _process.HasExited) return;
        using (var kill = Process.Start("kill", ["-KILL", "--", "-" + _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!) kill.WaitForExit();
        _process.WaitForExit();
        Append($"--- host {_name}'s process group killed");
    }

    /// <summary>SIGTERM, a clean shutdown (as Ctrl+C, which .NET handles alike); returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (_process is null || _process.HasExited) throw new InvalidOperationException($"Host {_name} is not running.");
        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!) await term.WaitForExitAsync();
        using var limit = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(limit.Token);
        Append($"--- host {_name} stopped with exit code {_process.ExitCode}");
        return _process.ExitCode;
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
