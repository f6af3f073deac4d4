using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SignaturePipeline.LocalHost.Azurite;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Bench;

/// <summary>
/// What counting by source costs: end-to-end rounds (posted → counted) of signatures without sources, alternating with
/// rounds where every signature carries a source, three utm values and, one in two, a referrer (the sources row and a
/// referrer row in each transaction). Alternating rounds on one host and one Azurite, so the machine's drift falls on
/// both alike; then the counts by source are proved against a recount of the rows. Runs alone (<c>--only sources</c>).
/// </summary>
public static class SourcesBenchmark
{
    private const int Sharers = 200;
    private static readonly string[] SourceCodes = ["ndlon-email", "fb-ad-2", "presente-sms", "share-whatsapp", "share-x"];

    public static async Task<string> RunAsync(BenchOptions options)
    {
        // Two cores shared with whatever else runs: the load at the start goes into the report beside the figures.
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";
        await using var azurite = await AzuriteProcess.StartAsync(options.Root, location: null);
        await using var app = await PipelineBenchmark.StartHostAsync(PipelineBenchmark.Settings(azurite, options));
        using var client = PipelineBenchmark.Client(app, options);
        var store = app.Services.GetRequiredService<SignatureStore>();
        // Codes as intake issues them (a tag that checks); the sharers' own signatures are not needed for their links to count.
        var codes = Enumerable.Range(0, Sharers).Select(i => app.Services.GetRequiredService<ReferralCodes>().Of("bench-sharer-" + i.ToString(CultureInfo.InvariantCulture))).ToArray();
        var plain = "bench-plain-" + Guid.NewGuid().ToString("N")[..8];
        var sourced = "bench-sourced-" + Guid.NewGuid().ToString("N")[..8];
        await PipelineBenchmark.CreatePetitionAsync(client, plain);
        await PipelineBenchmark.CreatePetitionAsync(client, sourced);
        var perRound = Math.Min(options.Signatures, 5_000);
        long offset = 0;
        var expected = new Dictionary<string, long> { [plain] = 0, [sourced] = 0 };

        async Task<double> RoundAsync(string petition, bool withSources)
        {
            var posts = Enumerable.Range(0, perRound).Select(i => Post(client, petition, (int)offset + i, withSources ? codes : null)).ToArray();
            offset += perRound;
            expected[petition] += perRound;
            GC.Collect();
            var watch = Stopwatch.StartNew();
            await PipelineBenchmark.PostAllAsync(client, posts, options.Concurrency);
            while ((await store.GetCountsAsync(petition, CancellationToken.None)).Total < expected[petition])
            {
                if (watch.Elapsed > TimeSpan.FromMinutes(5)) throw new TimeoutException($"{petition} did not reach {expected[petition]}.");
                await Task.Delay(100);
            }
            return perRound / watch.Elapsed.TotalSeconds;
        }

        // Warm-up of both paths, not measured.
        await RoundAsync(plain, false);
        await RoundAsync(sourced, true);
        var without = new List<double>();
        var with = new List<double>();
        for (var r = 0; r < options.Rounds; r++)
        {
            without.Add(await RoundAsync(plain, false));
            with.Add(await RoundAsync(sourced, true));
            Console.WriteLine($"round {r + 1}: without sources {without[^1]:F0}/s, with sources {with[^1]:F0}/s");
        }

        var counted = await store.GetSourceCountsAsync(sourced, CancellationToken.None);
        var recounted = await store.RecountSourcesAsync(sourced, CancellationToken.None);
        var exact = counted.BySource.OrderBy(kv => kv.Key).SequenceEqual(recounted.BySource.OrderBy(kv => kv.Key))
            && counted.ByReferrer.OrderBy(kv => kv.Key).SequenceEqual(recounted.ByReferrer.OrderBy(kv => kv.Key))
            && counted.BySource.Values.Sum() == expected[sourced]
            && counted.ByReferrer.Values.Sum() == (expected[sourced] + 1) / 2;
        static double Median(List<double> rates) => rates.Order().ElementAt(rates.Count / 2);
        var ratio = Median(with) / Median(without);

        var md = new StringBuilder();
        md.AppendLine("## Counting by source and referrer");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"`dotnet run -c Release --project bench/SignaturePipeline.Bench -- --only sources`, {Machine.Describe()}, {options.Shards} shards, "
            + $"{options.Rounds} alternating rounds of {perRound:N0} signatures each way, {options.Concurrency} concurrent clients, on {DateTime.UtcNow:yyyy-MM-dd}, load average {load} at the start.");
        md.AppendLine("With sources, every signature carries a `source` (one of five), `utm_source`, `utm_medium` and `utm_campaign`, and one in two");
        md.AppendLine(CultureInfo.InvariantCulture, $"a `referrer` (one of {Sharers} codes): each transaction also writes the shard's sources row and one row per referrer in it.");
        md.AppendLine();
        md.AppendLine("| end to end (posted → counted) | median | rounds |");
        md.AppendLine("| --- | ---: | --- |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| without sources | {Median(without):N0}/s | {string.Join(", ", without.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| with sources and referrers | {Median(with):N0}/s | {string.Join(", ", with.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))} |");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"With sources the pipeline runs at {ratio:P0} of its rate without. Counts by source and referrer equal a recount of the rows: {(exact ? "yes" : "**no**")} "
            + $"({counted.BySource.Values.Sum():N0} signatures by source, {counted.ByReferrer.Values.Sum():N0} by referrer).");
        return md.ToString();
    }

    private static byte[] Post(HttpClient client, string petition, int i, string[]? codes)
    {
        var (state, zip) = (i % 4) switch { 0 => ("NY", "10001"), 1 => ("CA", "90210"), 2 => ("TX", "75001"), _ => ("IL", "60601") };
        var fields = new Dictionary<string, object?>
        {
            ["firstName"] = "Signer", ["lastName"] = "Number" + i.ToString(CultureInfo.InvariantCulture), ["email"] = $"signer{i}@example.org",
            ["postalCode"] = zip, ["state"] = state,
        };
        if (codes is not null)
        {
            fields["source"] = SourceCodes[i % SourceCodes.Length];
            fields["utm_source"] = "newsletter";
            fields["utm_medium"] = "email";
            fields["utm_campaign"] = "week-" + (i % 3).ToString(CultureInfo.InvariantCulture);
            if (i % 2 == 0) fields["referrer"] = codes[i / 2 % codes.Length];
        }
        return RawHttpLoad.Post(client.BaseAddress!, $"/api/petitions/{petition}/signatures", "application/json", JsonSerializer.SerializeToUtf8Bytes(fields));
    }
}
