using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using SignaturePipeline.LocalHost;
using SignaturePipeline.LocalHost.Azurite;
using SignaturePipeline.Petitions;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Bench;

public sealed record PipelineReport(string Markdown, bool MeetsTargets);

/// <summary>
/// Raw Azurite single-operation rates and the pipeline's rates, measured in the same run on the same Azurite,
/// so the ratios mean something on any machine.
/// </summary>
public static class PipelineBenchmark
{
    public static async Task<PipelineReport> RunAsync(BenchOptions options)
    {
        await using var azurite = await AzuriteProcess.StartAsync(options.Root, location: null);
        Console.WriteLine($"Azurite on {azurite.TablePort}/{azurite.QueuePort}, pid {azurite.ProcessId}");

        var enqueueRate = await RawEnqueueAsync(azurite, options);
        var insertRate = await RawInsertAsync(azurite, options);
        var batchRate = await RawBatchInsertAsync(azurite, options);
        Console.WriteLine($"raw enqueue {enqueueRate:F0}/s, raw insert {insertRate:F0}/s, raw batch insert {batchRate:F0} entities/s");

        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["AdminKey"] = "bench",
            ["Pipeline:SecretKey"] = "benchmark-secret-key-0123456789",
            ["Pipeline:ShardCount"] = options.Shards.ToString(CultureInfo.InvariantCulture),
            ["Pipeline:MaxConcurrentEnqueues"] = options.Enqueuers.ToString(CultureInfo.InvariantCulture),
            ["LocalHost:StartAzurite"] = "false",
            ["LocalHost:SeedDemoPetitions"] = "false",
            ["LocalHost:Queues:MaxPollingInterval"] = "00:00:00.100",
            ["Logging:LogLevel:Default"] = "Warning",
            ["urls"] = "http://127.0.0.1:0",
        };
        // Phase 1: intake alone (the queue trigger off), as in a spike that outruns the processors.
        settings["LocalHost:Queues:Enabled"] = "false";
        double[] latencies;
        double intakeSeconds;
        (double Host, double Azurite) intakeCost;
        int backlogMessages;
        var petitionId = "bench-" + Guid.NewGuid().ToString("N")[..8];
        await using (var intakeHost = await StartHostAsync(settings))
        {
            using var client = Client(intakeHost, options);
            await CreatePetitionAsync(client, petitionId);
            await PostAllAsync(client, petitionId, 500, options.Concurrency, offset: 10_000_000); // warm-up, not measured
            GC.Collect();
            var intakeCpu = Cpu.Start(azurite.ProcessId);
            var watch = Stopwatch.StartNew();
            latencies = await PostAllAsync(client, petitionId, options.Signatures, options.Concurrency, offset: 0);
            intakeSeconds = watch.Elapsed.TotalSeconds;
            intakeCost = intakeCpu.PerItem(options.Signatures);
            backlogMessages = (await intakeHost.Services.GetRequiredService<QueueServiceClient>().GetQueueClient(Storage.QueueNames.Signatures).GetPropertiesAsync()).Value.ApproximateMessagesCount;
            Console.WriteLine($"intake alone: {options.Signatures / intakeSeconds:F0} req/s, backlog {backlogMessages} messages");
        }

        // Phase 2: the processors drain that backlog, then the whole pipeline runs, posted → counted.
        settings["LocalHost:Queues:Enabled"] = "true";
        await using var app = await StartHostAsync(settings);
        var store = app.Services.GetRequiredService<SignatureStore>();
        var drain = Stopwatch.StartNew();
        await WaitForCountAsync(store, petitionId, 500 + options.Signatures, TimeSpan.FromMinutes(5));
        var drainRate = (500 + options.Signatures) / drain.Elapsed.TotalSeconds;
        Console.WriteLine($"backlog processed: {drainRate:F0} signatures/s");

        using var pipelineClient = Client(app, options);
        GC.Collect();
        var pipelineCpu = Cpu.Start(azurite.ProcessId);
        var started = Stopwatch.StartNew();
        var pipelineLatencies = await PostAllAsync(pipelineClient, petitionId, options.Signatures, options.Concurrency, offset: 20_000_000);
        var pipelineIntakeSeconds = started.Elapsed.TotalSeconds;
        await WaitForCountAsync(store, petitionId, 500 + 2L * options.Signatures, TimeSpan.FromMinutes(5));
        var endToEndSeconds = started.Elapsed.TotalSeconds;
        var pipelineCost = pipelineCpu.PerItem(options.Signatures);
        Console.WriteLine($"end to end: {options.Signatures / endToEndSeconds:F0} signatures/s");

        var counts = await store.GetCountsAsync(petitionId, CancellationToken.None);
        var recount = await store.RecountAsync(petitionId, CancellationToken.None);
        var hostPeak = Machine.SelfPeakMiB();
        var azuritePeak = Machine.PeakMiB(azurite.ProcessId);
        await app.StopAsync();
        Array.Sort(pipelineLatencies);
        Array.Sort(latencies);
        static double P(double[] sorted, double q) => sorted[(int)Math.Min(sorted.Length - 1, Math.Round(q * (sorted.Length - 1)))];
        var intakeRate = options.Signatures / intakeSeconds;
        var e2eRate = options.Signatures / endToEndSeconds;
        var p50 = P(latencies, 0.50);
        var p99 = P(latencies, 0.99);
        var busyIntakeRate = options.Signatures / pipelineIntakeSeconds;
        var busyP99 = P(pipelineLatencies, 0.99);

        var intakeOk = intakeRate >= 3 * enqueueRate;
        var e2eOk = e2eRate >= 2 * insertRate;
        var p99Ok = p99 < 50;
        string Mark(bool ok) => ok ? "met" : "not met";
        var md = new StringBuilder();
        md.AppendLine("## Intake → queue → store (issue 3)");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Machine.Describe()}.");
        md.AppendLine(CultureInfo.InvariantCulture, $"{options.Signatures:N0} unique signatures posted as JSON by {options.Concurrency} concurrent clients over HTTP/1.1 keep-alive to the local host, three ways: to intake alone (queue trigger off), then the resulting backlog processed, then {options.Signatures:N0} more posted while the processors run (shards: {options.Shards}, {options.Enqueuers} concurrent enqueue, group commit up to 200 signatures per message). Raw rates: {options.RawOperations:N0} single operations from 16 concurrent callers.");
        md.AppendLine();
        md.AppendLine("| measure | value | target | |");
        md.AppendLine("| --- | ---: | --- | --- |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| raw Azurite single enqueue | {enqueueRate:N0} msg/s | (baseline) | |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| raw Azurite single insert (AddEntity) | {insertRate:N0} entities/s | (baseline) | |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| raw Azurite insert in transactions of 100 (the ceiling for any table writer) | {batchRate:N0} entities/s ({batchRate / insertRate:F1}× raw insert) | (reference) | |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| intake alone, posted → 202 | {intakeRate:N0} req/s ({intakeRate / enqueueRate:F1}× raw enqueue) | ≥ 3× raw enqueue | {Mark(intakeOk)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| intake latency to 202, p50 | {p50:F1} ms | | |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| intake latency to 202, p99 | {p99:F1} ms | < 50 ms | {Mark(p99Ok)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| processing a backlog of {500 + options.Signatures:N0} signatures in {backlogMessages:N0} messages (queue → counted) | {drainRate:N0} signatures/s ({drainRate / insertRate:F1}× raw insert) | | |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| end to end, posted → counted, processing concurrently | {e2eRate:N0} signatures/s ({e2eRate / insertRate:F1}× raw insert) | ≥ 2× raw insert | {Mark(e2eOk)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| intake while processing concurrently | {busyIntakeRate:N0} req/s, p99 {busyP99:F1} ms | | |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| CPU per signature, intake alone: host + load generator / Azurite | {intakeCost.Host:F2} ms / {intakeCost.Azurite:F2} ms | | |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| CPU per signature, end to end: host + load generator / Azurite | {pipelineCost.Host:F2} ms / {pipelineCost.Azurite:F2} ms (2 cores: at most {2_000 / (pipelineCost.Host + pipelineCost.Azurite):N0} signatures/s) | | |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| counted / recounted rows | {counts.Total - 500:N0} / {recount.Total - 500:N0} of {2 * options.Signatures:N0} | exact | {Mark(counts.Total == recount.Total && counts.Total == 500 + 2L * options.Signatures)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| peak memory, host + load generator | {hostPeak:N0} MiB | | |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| peak memory, Azurite | {azuritePeak:N0} MiB | | |");
        md.AppendLine();
        md.AppendLine("Why it is fast: intake does no table reads (petitions are cached for 5 s) and batches every signature that arrives while an enqueue is in flight into one queue message, so Azurite's per-message cost is shared; the processor writes each shard's signatures and its counter in one entity-group transaction (up to 100 operations), and writes a message's receipts in one more.");
        md.AppendLine();
        md.AppendLine("What bounds end to end here, measured: CPU. The two cores are shared by Azurite (one Node thread), the host and the load generator, and the CPU-per-signature rows above are the whole budget: end to end cannot beat two cores divided by their sum, and it comes within a few tenths of it. Profiled on the way (Azurite under `node --cpu-prof`): Azurite keeps every queue's messages in one LokiJS collection and re-sorts its indexes over all of them on each receive and delete, so the 3,000 messages the raw-enqueue baseline used to leave behind slowed every later queue operation (deleting that queue after measuring took backlog processing from 1.1× to about 2× raw insert, and end to end from 0.7× to 1.5–1.8×); receipts of concurrent messages now share one transaction. Tried without a gain beyond the run-to-run spread (±10%): 2 concurrent enqueues, a 5 or 15 ms commit linger, 2 or 4 shards, 128 clients, server GC. In Azure none of this CPU is shared: the limits there are 2,000 entities/s per partition (8 shards per petition), 2,000 messages/s per queue and 20,000 requests/s per account.");
        return new PipelineReport(md.ToString(), intakeOk && e2eOk && p99Ok);
    }

    private static async Task<Microsoft.AspNetCore.Builder.WebApplication> StartHostAsync(Dictionary<string, string?> settings)
    {
        var app = LocalHostApp.Build([], new Dictionary<string, string?>(settings));
        await app.StartAsync();
        return app;
    }

    private static HttpClient Client(Microsoft.AspNetCore.Builder.WebApplication app, BenchOptions options)
    {
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Concurrency }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("x-functions-key", "bench");
        return client;
    }

    private static async Task CreatePetitionAsync(HttpClient client, string petitionId)
    {
        var put = await client.PutAsJsonAsync($"/api/admin/petitions/{petitionId}", new
        {
            title = "Benchmark petition", letter = "Dear President,\nPlease act.", requireConfirmation = false,
            targets = new[] { new { kind = "president", name = "President", email = "p@example.org" } },
            organizers = new[] { "o@example.org" }, goal = 1_000_000, status = "open", allowedOrigins = new[] { "*" },
        });
        put.EnsureSuccessStatusCode();
    }

    private static object Signer(int i)
    {
        var (state, zip) = (i % 4) switch { 0 => ("NY", "10001"), 1 => ("CA", "90210"), 2 => ("TX", "75001"), _ => ("IL", "60601") };
        return new { firstName = "Signer", lastName = "Number" + i.ToString(CultureInfo.InvariantCulture), email = $"signer{i}@example.org", postalCode = zip, state, comment = i % 10 == 0 ? "Families belong together." : null };
    }

    private static async Task<double[]> PostAllAsync(HttpClient client, string petitionId, int count, int concurrency, int offset)
    {
        var latencies = new double[count];
        var next = -1;
        var failures = 0;
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var body = JsonSerializer.SerializeToUtf8Bytes(Signer(offset + i));
                var watch = Stopwatch.StartNew();
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new("application/json");
                using var response = await client.PostAsync($"/api/petitions/{petitionId}/signatures", content);
                latencies[i] = watch.Elapsed.TotalMilliseconds;
                if ((int)response.StatusCode != 202) Interlocked.Increment(ref failures);
            }
        });
        await Task.WhenAll(workers);
        if (failures > 0) throw new InvalidOperationException($"{failures} posts were not accepted.");
        return latencies;
    }

    private static async Task WaitForCountAsync(SignatureStore store, string petitionId, long expected, TimeSpan limit)
    {
        var deadline = Stopwatch.StartNew();
        while ((await store.GetCountsAsync(petitionId, CancellationToken.None)).Total < expected)
        {
            if (deadline.Elapsed > limit) throw new TimeoutException($"Count did not reach {expected} within {limit}.");
            // Each poll is one point read per shard: every 20 ms that would be 400 reads/s taken from the pipeline measured.
            await Task.Delay(100);
        }
    }

    private static async Task<double> RawEnqueueAsync(AzuriteProcess azurite, BenchOptions options)
    {
        var queue = new QueueClient(azurite.ConnectionString, "raw-enqueue", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await queue.CreateIfNotExistsAsync();
        await RunConcurrentAsync(200, 16, i => queue.SendMessageAsync("warm-up " + i));
        await queue.ClearMessagesAsync();
        var body = JsonSerializer.Serialize(Signer(1));
        var watch = Stopwatch.StartNew();
        await RunConcurrentAsync(options.RawOperations, 16, _ => queue.SendMessageAsync(body));
        var rate = options.RawOperations / watch.Elapsed.TotalSeconds;
        // Azurite keeps every queue's messages in one LokiJS collection and re-sorts its indexes over all of them on
        // each receive and delete: left behind, these messages would slow every later queue operation of the run.
        await queue.DeleteAsync();
        return rate;
    }

    private static async Task<double> RawInsertAsync(AzuriteProcess azurite, BenchOptions options)
    {
        var table = new TableClient(azurite.ConnectionString, "rawinsert");
        await table.CreateIfNotExistsAsync();
        await RunConcurrentAsync(200, 16, i => table.AddEntityAsync(new TableEntity("warm", i.ToString(CultureInfo.InvariantCulture))));
        var watch = Stopwatch.StartNew();
        await RunConcurrentAsync(options.RawOperations, 16, i => table.AddEntityAsync(new TableEntity("p" + (i % 8).ToString(CultureInfo.InvariantCulture), i.ToString(CultureInfo.InvariantCulture))
        {
            ["FirstName"] = "Signer", ["LastName"] = "Number", ["Email"] = $"signer{i}@example.org", ["PostalCode"] = "10001", ["State"] = "NY",
        }));
        return options.RawOperations / watch.Elapsed.TotalSeconds;
    }

    /// <summary>Entity-group transactions of 100 inserts from 8 concurrent callers, one partition each: what Azurite can store at best.</summary>
    private static async Task<double> RawBatchInsertAsync(AzuriteProcess azurite, BenchOptions options)
    {
        var table = new TableClient(azurite.ConnectionString, "rawbatch");
        await table.CreateIfNotExistsAsync();
        var transactions = Math.Max(8, options.RawOperations * 4 / 100);
        Task Batch(int i) => table.SubmitTransactionAsync(Enumerable.Range(0, 100).Select(j => new TableTransactionAction(TableTransactionActionType.Add,
            new TableEntity("p" + (i % 8).ToString(CultureInfo.InvariantCulture), $"{i:D6}-{j:D3}")
            {
                ["FirstName"] = "Signer", ["LastName"] = "Number", ["Email"] = $"signer{i}.{j}@example.org", ["PostalCode"] = "10001", ["State"] = "NY",
            })));
        await RunConcurrentAsync(8, 8, i => Batch(1_000_000 + i));
        var watch = Stopwatch.StartNew();
        await RunConcurrentAsync(transactions, 8, Batch);
        return transactions * 100 / watch.Elapsed.TotalSeconds;
    }

    /// <summary>CPU time of this process (host and load generator) and of Azurite over one phase.</summary>
    private readonly record struct Cpu(int AzuritePid, TimeSpan Host, TimeSpan Azurite)
    {
        public static Cpu Start(int azuritePid) => new(azuritePid, Process.GetCurrentProcess().TotalProcessorTime, AzuriteCpu(azuritePid));

        /// <summary>Milliseconds of CPU per item since <see cref="Start"/>.</summary>
        public (double Host, double Azurite) PerItem(int items) =>
            ((Process.GetCurrentProcess().TotalProcessorTime - Host).TotalMilliseconds / items, (AzuriteCpu(AzuritePid) - Azurite).TotalMilliseconds / items);

        private static TimeSpan AzuriteCpu(int pid)
        {
            using var process = Process.GetProcessById(pid);
            return process.TotalProcessorTime;
        }
    }

    private static async Task RunConcurrentAsync(int count, int concurrency, Func<int, Task> operation)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count) await operation(i);
        }));
    }
}
