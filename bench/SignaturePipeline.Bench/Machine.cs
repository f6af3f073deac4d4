using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SignaturePipeline.Bench;

public static class Machine
{
    public static string Describe()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        return $"{Environment.ProcessorCount} cores ({cpu ?? RuntimeInformation.ProcessArchitecture.ToString()}), {memory:F0} GiB, " +
               $"{RuntimeInformation.OSDescription}, .NET {Environment.Version}, Azurite 3.37.0 (in memory), host and load generator in one process";
    }

    /// <summary>Peak resident memory of a process, from /proc (VmHWM), in MiB.</summary>
    public static double PeakMiB(int pid)
    {
        var status = $"/proc/{pid}/status";
        if (!File.Exists(status)) return double.NaN;
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? double.NaN : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
    }

    public static double SelfPeakMiB() => PeakMiB(Environment.ProcessId) is var v && !double.IsNaN(v) ? v : Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024);
}
