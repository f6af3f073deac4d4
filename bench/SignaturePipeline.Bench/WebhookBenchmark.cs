using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Hosting.Server.Features;
using SignaturePipeline.LocalHost.Azurite;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Bench;

/// <summary>
/// The pipeline's end-to-end rate (posted → counted) on a petition without a webhook, and on petitions with one webhook
/// to a loopback receiver in this process (one POST per signature, and batched), in alternating rounds on one host and
/// one Azurite; and whether every counted signature reached the receiver, and how long after its count.
/// </summary>
public static class WebhookBenchmark
{
    private sealed class Receiver
    {
        public ConcurrentDictionary<string, byte> Signatures { get; } = new(StringComparer.Ordinal);
        public long Requests;
    }

    private sealed record Mode(string Name, string PetitionId, string? Format, bool Batch);

    public static async Task<string> RunAsync(BenchOptions options)
    {
        await using var azurite = await AzuriteProcess.StartAsync(options.Root, location: null);
        var receiver = new Receiver();
        await using var receiverApp = await StartReceiverAsync(receiver);
        var hookUrl = new Uri(new Uri(Address(receiverApp)), "/hook");

        var settings = PipelineBenchmark.Settings(azurite, options);
        settings["Webhooks:AllowLoopback"] = "true";
        // Locally a commit lands within milliseconds of its stamp; the Azure margin (120 s) only delays the events.
        settings["Webhooks:SafetyMarginSeconds"] = "2";
        settings["DispatchWebhooksSchedule"] = "* * * * * *";
        await using var app = await PipelineBenchmark.StartHostAsync(settings);
        using var client = PipelineBenchmark.Client(app, options);
        var store = app.Services.GetRequiredService<SignatureStore>();

        Mode[] modes =
        [
            new("no webhook", "bench-none", null, false),
            new("one webhook, a POST per signature (json)", "bench-hook", "json", false),
            new("one webhook, batched (osdi, up to 100 per POST)", "bench-batch", "osdi", true),
        ];
        foreach (var mode in modes) await CreatePetitionAsync(client, mode, hookUrl);

        // Warm-up of every path, not measured.
        var offset = 40_000_000;
        foreach (var mode in modes)
        {
            await RoundAsync(client, store, receiver, mode, options.WarmUp / 2, offset, options.Concurrency);
            offset += options.WarmUp;
        }

        var results = modes.ToDictionary(m => m.Name, _ => new List<(double Rate, double Lag, bool AllArrived)>());
        for (var r = 0; r < options.Rounds; r++)
            foreach (var mode in modes)
            {
                var result = await RoundAsync(client, store, receiver, mode, options.Signatures, offset, options.Concurrency);
                offset += options.Signatures;
                results[mode.Name].Add(result);
                Console.WriteLine($"round {r + 1}, {mode.Name}: {result.Rate:F0} signatures/s end to end"
                    + (mode.Format is null ? "" : $", all {options.Signatures:N0} at the receiver: {result.AllArrived}, last one {result.Lag:F1} s after the count"));
            }

        static double Median(IEnumerable<double> xs) { var s = xs.Order().ToList(); return s[s.Count / 2]; }
        var none = results[modes[0].Name].Select(x => x.Rate).ToList();
        var baseline = Median(none);
        var spread = (none.Max() - none.Min()) / baseline;
        var md = new StringBuilder();
        md.AppendLine("## Webhooks while signatures are counted");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Machine.Describe()}, with `-- --only webhooks`; load average at the end {File.ReadAllText("/proc/loadavg").Split(' ')[0]}.");
        md.AppendLine(CultureInfo.InvariantCulture, $"{options.Signatures:N0} unique signatures per round posted by {options.Concurrency} clients to the local host, {options.Rounds} rounds, each round posting to three petitions in turn: one without a webhook, one with a webhook sending a POST per signature, one with a batching webhook. The receiver is a Kestrel endpoint in the bench process on 127.0.0.1; the host dispatches every second with a 2 s safety margin (Azure: every 30 s, 120 s margin). After each petition's round the bench waits until the receiver holds every signature counted in it before the next starts.");
        md.AppendLine();
        md.AppendLine("| petition | end to end, median (rounds) | against no webhook | every counted signature received | last arrival after its count, median |");
        md.AppendLine("| --- | ---: | ---: | --- | ---: |");
        foreach (var mode in modes)
        {
            var list = results[mode.Name];
            var rate = Median(list.Select(x => x.Rate));
            var each = string.Join(", ", list.Select(x => x.Rate.ToString("N0", CultureInfo.InvariantCulture)));
            var against = mode.Format is null ? "—" : (rate / baseline).ToString("P0", CultureInfo.InvariantCulture);
            var arrived = mode.Format is null ? "—" : list.All(x => x.AllArrived) ? "yes, every round" : "NO";
            var lag = mode.Format is null ? "—" : Median(list.Select(x => x.Lag)).ToString("F1", CultureInfo.InvariantCulture) + " s";
            md.AppendLine(CultureInfo.InvariantCulture, $"| {mode.Name} | {rate:N0}/s ({each}) | {against} | {arrived} | {lag} |");
        }
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"The spread of the rounds without a webhook, (max − min) / median, was {spread:P0} in this run: a rate with a webhook inside that band is no slowdown this machine can show. Counting does not wait for webhooks: events are derived from the delivery index rows the commit already writes, so the commit gains no operation; what a webhook costs is the dispatch reads (one per shard per second here) and the sending, on the same two cores.");
        var requests = Interlocked.Read(ref receiver.Requests);
        md.AppendLine(CultureInfo.InvariantCulture, $"Receiver: {requests:N0} requests in all.");
        return md.ToString();
    }

    private static async Task<(double Rate, double Lag, bool AllArrived)> RoundAsync(HttpClient client, SignatureStore store, Receiver receiver, Mode mode, int count, int offset, int concurrency)
    {
        var expected = (await store.GetCountsAsync(mode.PetitionId, CancellationToken.None)).Total + count;
        var received = receiver.Signatures.Count + (mode.Format is null ? 0 : count);
        var posts = PipelineBenchmark.Posts(client, mode.PetitionId, count, offset);
        GC.Collect();
        var watch = Stopwatch.StartNew();
        await PipelineBenchmark.PostAllAsync(client, posts, concurrency);
        while ((await store.GetCountsAsync(mode.PetitionId, CancellationToken.None)).Total < expected)
        {
            if (watch.Elapsed > TimeSpan.FromMinutes(5)) throw new TimeoutException("The count did not arrive.");
            await Task.Delay(100);
        }
        var seconds = watch.Elapsed.TotalSeconds;
        if (mode.Format is null) return (count / seconds, 0, true);
        var counted = Stopwatch.StartNew();
        while (receiver.Signatures.Count < received && counted.Elapsed < TimeSpan.FromMinutes(3)) await Task.Delay(100);
        return (count / seconds, counted.Elapsed.TotalSeconds, receiver.Signatures.Count >= received);
    }

    private static async Task CreatePetitionAsync(HttpClient client, Mode mode, Uri hookUrl)
    {
        var put = await client.PutAsJsonAsync($"/api/admin/petitions/{mode.PetitionId}", new
        {
            title = "Benchmark petition", letter = "Dear President,\nPlease act.", requireConfirmation = false,
            targets = new[] { new { kind = "president", name = "President", email = "p@example.org" } },
            organizers = new[] { "o@example.org" }, goal = 1_000_000, status = "open", allowedOrigins = new[] { "*" },
            webhooks = mode.Format is null ? Array.Empty<object>() : [new
            {
                url = hookUrl.AbsoluteUri, secret = "benchmark-webhook-secret", events = new[] { "signature.counted" }, format = mode.Format, batch = mode.Batch,
            }],
        });
        put.EnsureSuccessStatusCode();
    }

    private static async Task<Microsoft.AspNetCore.Builder.WebApplication> StartReceiverAsync(Receiver receiver)
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/hook", async (HttpRequest request) =>
        {
            using var json = await JsonDocument.ParseAsync(request.Body);
            Interlocked.Increment(ref receiver.Requests);
            var items = json.RootElement.ValueKind == JsonValueKind.Array ? json.RootElement.EnumerateArray().ToList() : [json.RootElement];
            foreach (var item in items)
            {
                var id = item.TryGetProperty("identifiers", out var ids) ? ids[0].GetString()
                    : item.GetProperty("data").GetProperty("signatureId").GetString();
                receiver.Signatures.TryAdd(id!, 0);
            }
            return Results.Ok();
        });
        await app.StartAsync();
        return app;
    }

    private static string Address(Microsoft.AspNetCore.Builder.WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
}
