using SignaturePipeline.LocalHost;

namespace SignaturePipeline.Bench;

public sealed record BenchOptions(int Signatures, int Concurrency, int RawOperations, bool Write, string Root, int Shards, int Enqueuers, int Delivery, int WarmUp, int Rounds, string? Only, int Console = 0)
{
    /// <summary>Signers of the one update <c>--updates N</c> sends (0: not run).</summary>
    public int Updates { get; init; }

    public static BenchOptions Parse(string[] args)
    {
        int Int(string name, int fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
        }
        var root = LocalSettings.FindRoot() ?? throw new InvalidOperationException("Run the benchmark from inside the repository.");
        return new BenchOptions(Int("--signatures", 20_000), Int("--concurrency", 128), Int("--raw", 3_000), !args.Contains("--no-write"), root,
            Int("--shards", 8), Int("--enqueuers", 1), Int("--delivery", 0), Int("--warm-up", 5_000), Math.Max(1, Int("--rounds", 3)),
            Array.IndexOf(args, "--only") is var only and >= 0 && only + 1 < args.Length ? args[only + 1] : null, Int("--console", 0))
        {
            Updates = Int("--updates", 0),
        };
    }
}
