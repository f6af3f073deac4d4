using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace SignaturePipeline.LocalHost.Azurite;

/// <summary>
/// The local host's Azurite, run so that it outlives a crash of the host. Azurite keeps acknowledged writes in
/// memory and saves them to disk every few seconds (LokiJS autosave), so if it died with the host, the signatures
/// answered 202 in those seconds would be gone. A child in the host's process group dies with it whenever the
/// group is signalled: Ctrl+C, a closed terminal, a supervisor's kill of the group. So it runs in a
/// session of its own (<c>setsid</c>), writes to a log file rather than to a pipe the host owns, and its pid is
/// recorded beside its data so the next start reuses it. Stopping sends SIGTERM, on which Azurite saves, and
/// waits for it to exit.
/// </summary>
public sealed class DetachedAzurite
{
    public const string PidFileName = "azurite.pid";
    public const string LogFileName = "azurite.log";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private sealed record Record(int Pid, int BlobPort, int QueuePort, int TablePort);

    /// <summary>Set when this host started it: the host then reaps it when it exits.</summary>
    private readonly Process? _child;

    private DetachedAzurite(int processId, string location, Process? child)
    {
        ProcessId = processId;
        Location = location;
        _child = child;
    }

    public int ProcessId { get; }
    public string Location { get; }
    /// <summary>False where there is no <c>setsid</c> (macOS): Azurite then shares the host's process group and dies with it.</summary>
    public bool InOwnSession { get; private init; } = true;
    public static string PidFile(string location) => Path.Combine(location, PidFileName);
    public static string LogFile(string location) => Path.Combine(location, LogFileName);

    /// <summary>
    /// The Azurite an earlier host started on this data folder and these ports, if it still runs. The recorded pid
    /// must still be node running Azurite on this folder: after a reboot the number may belong to anything.
    /// </summary>
    public static DetachedAzurite? FindRunning(string location, AzuritePorts ports)
    {
        Record? record;
        try
        {
            record = JsonSerializer.Deserialize<Record>(File.ReadAllText(PidFile(location)));
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
        if (record is null || record.Pid <= 0 || (record.BlobPort, record.QueuePort, record.TablePort) != (ports.Blob, ports.Queue, ports.Table)) return null;
        if (!IsAlive(record.Pid) || !IsAzuriteOn(record.Pid, location)) return null;
        return new DetachedAzurite(record.Pid, location, child: null);
    }

    /// <summary>Starts Azurite with data in <paramref name="location"/> and waits until it says all three services listen.</summary>
    public static async Task<DetachedAzurite> StartAsync(string root, string location, AzuritePorts ports, CancellationToken ct)
    {
        await AzuriteProcess.EnsureInstalledAsync(root, ct).ConfigureAwait(false);
        Directory.CreateDirectory(location);
        var log = LogFile(location);
        var from = File.Exists(log) ? new FileInfo(log).Length : 0;

        // The shell only points Azurite's output at the log and execs; setsid (util-linux) calls setsid() and execs
        // node in turn, so the pid started here is node's own.
        var start = new ProcessStartInfo("/bin/sh") { WorkingDirectory = root, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$@\" >>\"$0\" 2>&1 </dev/null");
        start.ArgumentList.Add(log);
        var setsid = FindOnPath("setsid");
        if (setsid is not null) start.ArgumentList.Add(setsid);
        start.ArgumentList.Add("node");
        foreach (var argument in AzuriteProcess.Arguments(root, location, ports.Blob, ports.Queue, ports.Table)) start.ArgumentList.Add(argument);

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start Azurite.");
        var azurite = new DetachedAzurite(process.Id, location, process) { InOwnSession = setsid is not null };
        WriteRecord(location, new Record(process.Id, ports.Blob, ports.Queue, ports.Table));

        // Azurite prints when each service has bound its port; a port that merely accepts connections may be another process's.
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var output = ReadFrom(log, from);
            if (CountOccurrences(output, "successfully listening") >= 3) return azurite;
            if (process.HasExited)
            {
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                var code = process.ExitCode;
                DeleteRecord(location, process.Id);
                process.Dispose();
                throw new InvalidOperationException($"Azurite exited with code {code} (ports {ports}); its output ({log}): {ReadFrom(log, from).Trim()}");
            }
            if (waited.Elapsed > StartTimeout)
            {
                await azurite.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                throw new TimeoutException($"Azurite did not open ports {ports} within {StartTimeout.TotalSeconds:F0} s; its output ({log}): {output.Trim()}");
            }
            try
            {
                await Task.Delay(100, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await azurite.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>
    /// SIGTERM, on which Azurite closes its services and saves what it holds in memory; then waits for it to exit.
    /// Only past <paramref name="grace"/> is it killed, which would lose what it had not saved. Returns whether it
    /// stopped within the grace period.
    /// </summary>
    public async Task<bool> StopAsync(TimeSpan grace)
    {
        var graceful = true;
        if (IsAlive(ProcessId))
        {
            Signal("TERM", ProcessId);
            graceful = await WaitForExitAsync(grace).ConfigureAwait(false);
            if (!graceful)
            {
                Signal("KILL", ProcessId);
                await WaitForExitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
        }
        if (_child is not null)
        {
            await _child.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            _child.Dispose();
        }
        DeleteRecord(Location, ProcessId);
        return graceful;
    }

    private async Task<bool> WaitForExitAsync(TimeSpan limit)
    {
        var waited = Stopwatch.StartNew();
        while (IsAlive(ProcessId))
        {
            if (waited.Elapsed > limit) return false;
            await Task.Delay(50).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>
    /// Whether the process runs. An adopted Azurite is no child of this host, so once it exits it may linger as a
    /// zombie until init reaps it; a zombie has exited (and <c>kill -0</c> would still find it).
    /// </summary>
    public static bool IsAlive(int pid)
    {
        if (OperatingSystem.IsLinux())
        {
            string stat;
            try
            {
                stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
            // "pid (command) S ...": the state follows the last ')', as the command itself may hold one.
            var state = stat.AsSpan(stat.LastIndexOf(')') + 1).TrimStart();
            return state.Length > 0 && state[0] is not ('Z' or 'X');
        }
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static bool IsAzuriteOn(int pid, string location)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                var arguments = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline").Split('\0');
                return arguments.Any(a => a.EndsWith("azurite.js", StringComparison.Ordinal)) && arguments.Contains(location, StringComparer.Ordinal);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.ProcessName.Contains("node", StringComparison.OrdinalIgnoreCase);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void WriteRecord(string location, Record record)
    {
        // Written whole, then renamed: a host killed mid-write leaves the old record or the new, never half of one.
        var temporary = PidFile(location) + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(record));
        File.Move(temporary, PidFile(location), overwrite: true);
    }

    private static void DeleteRecord(string location, int pid)
    {
        try
        {
            var record = JsonSerializer.Deserialize<Record>(File.ReadAllText(PidFile(location)));
            if (record?.Pid == pid) File.Delete(PidFile(location));
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            // No record, or not this one's: nothing to remove.
        }
    }

    private static string ReadFrom(string path, long offset)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length <= offset) return "";
            stream.Seek(offset, SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return "";
        }
    }

    private static int CountOccurrences(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, program))
            .FirstOrDefault(File.Exists);

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }
}
