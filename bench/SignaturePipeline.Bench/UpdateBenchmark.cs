using System.Diagnostics;
using System.Globalization;
using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using SignaturePipeline.LocalHost.Azurite;
using SignaturePipeline.Petitions;
using SignaturePipeline.Signatures;
using SignaturePipeline.Storage;
using SignaturePipeline.Updates;

namespace SignaturePipeline.Bench;

/// <summary>
/// One update to N counted signers who opted in, through the pickup transport with the throttle off: emails per second
/// from publication to "sent", and the process's peak memory. The fan-out runs as the local host runs it: queue
/// <c>updates</c> polled, up to 16 messages in flight, each message one bounded step of one shard.
/// <para>The signers are seeded straight into the table through <see cref="SignatureStore.RowsOf"/>, 98 per transaction,
/// as the delivery benchmark does: intake would take hours at Azurite's rates and measure intake, not the fan-out.</para>
/// </summary>
public static class UpdateBenchmark
{
    public static async Task<string> RunAsync(BenchOptions options)
    {
        var n = options.Updates;
        await using var azurite = await AzuriteProcess.StartAsync(options.Root, location: null);
        Console.WriteLine($"Azurite on {azurite.TablePort}/{azurite.QueuePort}, pid {azurite.ProcessId}");
        var folder = Path.Combine(Path.GetTempPath(), "bench-updates-" + Guid.NewGuid().ToString("N")[..8]);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Pipeline:SecretKey"] = "benchmark-secret-key-0123456789",
            ["Pipeline:ShardCount"] = "8",
            ["Email:Transport"] = "pickup",
            ["Email:PickupDirectory"] = folder,
            ["Updates:MaxEmailsPerMinute"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSignaturePipeline(configuration);
        await using var provider = services.BuildServiceProvider();
        foreach (var hosted in provider.GetServices<IHostedService>().OfType<StorageInitializer>()) await hosted.StartAsync(CancellationToken.None);

        var petitionId = "bench-updates-" + Guid.NewGuid().ToString("N")[..8];
        var saved = await provider.GetRequiredService<PetitionHandlers>().SaveAsync(petitionId, new PetitionDefinition
        {
            Title = "Stop S-Comm in New York!",
            Letter = "Governor Cuomo,\n\nEnd New York's participation in Secure Communities.",
            Targets = [new("governor", "Gov. Andrew Cuomo", "governor@deliveries.example.org", "NY")],
            Organizers = ["team@presente.example.org"],
            Goal = 1_000_000,
            Status = "open",
            AllowedOrigins = ["*"],
            RequireConfirmation = false,
        }, CancellationToken.None);
        if (saved is not SavePetitionResult.Saved) throw new InvalidOperationException("The benchmark petition was refused.");

        var seedWatch = Stopwatch.StartNew();
        await SeedAsync(provider, petitionId, n);
        var seedSeconds = seedWatch.Elapsed.TotalSeconds;
        Console.WriteLine($"seeded {n:N0} signers in {seedSeconds:F0} s ({n / seedSeconds:N0}/s)");

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var resetPeak = ResetPeak();
        var baseline = Machine.SelfPeakMiB();
        var handlers = provider.GetRequiredService<UpdateHandlers>();
        using var azuriteProcess = Process.GetProcessById(azurite.ProcessId);
        var hostCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var azuriteCpu = azuriteProcess.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var published = (PublishResult.Published)await handlers.PublishAsync(petitionId, new UpdateRequest
        {
            Kind = "update",
            Subject = "We delivered your signatures to the Governor",
            Body = "Thank you for signing.\n\nToday we delivered every signature to Governor Cuomo's office. Read more: https://campaign.example.org/news",
            SubjectEs = "Entregamos sus firmas al Gobernador",
            BodyEs = "Gracias por firmar.\n\nHoy entregamos cada firma a la oficina del Gobernador Cuomo. Más: https://campaign.example.org/noticias",
        }, CancellationToken.None);
        var updateId = published.Update.UpdateId;
        var progress = await PumpUntilSentAsync(provider, handlers, petitionId, updateId);
        var seconds = watch.Elapsed.TotalSeconds;
        azuriteProcess.Refresh();
        var hostMs = (Process.GetCurrentProcess().TotalProcessorTime - hostCpu).TotalMilliseconds / Math.Max(1, n);
        var azuriteMs = (azuriteProcess.TotalProcessorTime - azuriteCpu).TotalMilliseconds / Math.Max(1, n);
        // What two otherwise idle cores could do at this CPU cost per email, whatever else ran during the measurement.
        var capacity = Environment.ProcessorCount * 1000 / (hostMs + azuriteMs);
        var peak = Machine.SelfPeakMiB();
        var azuritePeak = Machine.PeakMiB(azurite.ProcessId);
        var files = Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*.eml").Count() : 0;
        Console.WriteLine($"sent {progress.Sent:N0} of {progress.Recipients:N0} in {seconds:F1} s ({files / seconds:N0} emails/s), {files:N0} files, peak {peak:N0} MiB, CPU {hostMs:F2} + {azuriteMs:F2} ms per email (load {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);

        string Mark(bool ok) => ok ? "met" : "not met";
        var md = new StringBuilder();
        md.AppendLine("## Updates to signers");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Machine.Describe()}. `dotnet run -c Release --project bench/SignaturePipeline.Bench -- --updates {n}`.");
        md.AppendLine(CultureInfo.InvariantCulture, $"{n:N0} counted signers who opted in (one in ten signed in Spanish), 8 shards, seeded through `SignatureStore.RowsOf` ({seedSeconds:N0} s); then one update, published through `UpdateHandlers.PublishAsync` and fanned out through queue `updates` as the local host does (up to 16 steps in flight), to the pickup folder, throttle off (`Updates__MaxEmailsPerMinute=0`). Load average at the end: {File.ReadAllText("/proc/loadavg").Split(' ')[0]}.");
        md.AppendLine();
        md.AppendLine("| measure | value | target | |");
        md.AppendLine("| --- | ---: | --- | --- |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| publication to status `sent` | {seconds:N1} s ({files / seconds:N0} emails/s) | ≥ 1,000 emails/s | {Mark(files / seconds >= 1000)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| peak memory during the fan-out (process, VmHWM{(resetPeak ? " reset before it" : ", since start")}) | {peak:N0} MiB (baseline {baseline:N0} MiB) | < 300 MB | {Mark(peak * 1.048576 < 300)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| .eml files / recipients / sent / failed | {files:N0} / {progress.Recipients:N0} / {progress.Sent:N0} / {progress.Failed:N0} | exactly {n:N0} files | {Mark(files == n && progress.Sent == n)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| CPU per email: this process / Azurite | {hostMs:F2} ms / {azuriteMs:F2} ms | | |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| what {Environment.ProcessorCount} idle cores could send at that CPU cost (estimate) | {capacity:N0} emails/s | ≥ 1,000 emails/s | {(capacity >= 1000 ? "estimated, not measured" : "not met")} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| peak memory, Azurite | {azuritePeak:N0} MiB | | |");
        md.AppendLine();
        md.AppendLine("Per page of up to 1,000 signers a step makes one query (five columns) and advances the shard's progress row once; per 100 of them, one transaction of recipient records, 100 sends (four at a time) and one transaction marking them sent. The wall-clock rate depends on what else the two cores run; the CPU cost per email does much less, so the table gives both.");
        return md.ToString();
    }

    /// <summary>What the local host's queue trigger does for queue <c>updates</c>: poll, run each message, delete it on success.</summary>
    private static async Task<UpdateProgress> PumpUntilSentAsync(IServiceProvider services, UpdateHandlers handlers, string petitionId, string updateId)
    {
        var queue = services.GetRequiredService<QueueServiceClient>().GetQueueClient(QueueNames.Updates);
        var fanOut = services.GetRequiredService<UpdateFanOut>();
        var inFlight = new HashSet<Task>();
        var lastCheck = Stopwatch.StartNew();
        while (true)
        {
            if (lastCheck.Elapsed > TimeSpan.FromSeconds(1) || inFlight.Count == 0)
            {
                lastCheck.Restart();
                var view = await handlers.GetAsync(petitionId, updateId, CancellationToken.None);
                if (view is { Status: "sent" })
                {
                    await Task.WhenAll(inFlight);
                    return new UpdateProgress(view.Recipients ?? 0, view.Sent ?? 0, view.Failed ?? 0, view.Suppressed ?? 0, UpdateStatus.Sent);
                }
            }
            while (inFlight.Count > 8) inFlight.Remove(await Task.WhenAny(inFlight));
            QueueMessage[] messages = (await queue.ReceiveMessagesAsync(16, TimeSpan.FromMinutes(10))).Value;
            if (messages.Length == 0)
            {
                await Task.Delay(50);
                continue;
            }
            foreach (var message in messages)
                inFlight.Add(Task.Run(async () =>
                {
                    await fanOut.ProcessAsync(message.MessageText, CancellationToken.None);
                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                }));
        }
    }

    private static bool ResetPeak()
    {
        try
        {
            File.WriteAllText($"/proc/{Environment.ProcessId}/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static async Task SeedAsync(IServiceProvider services, string petitionId, int count)
    {
        var store = services.GetRequiredService<SignatureStore>();
        var table = services.GetRequiredService<TableServiceClient>().GetTableClient(TableNames.Signatures);
        var buffers = Enumerable.Range(0, store.ShardCount).Select(_ => new List<SignatureStore.Pending>(SignatureStore.MaxInsertsPerTransaction)).ToArray();
        var inFlight = new List<Task>();
        var start = DateTimeOffset.UtcNow.AddDays(-1);

        async Task FlushAsync(int shard)
        {
            var items = buffers[shard].ToList();
            buffers[shard].Clear();
            var rows = SignatureStore.RowsOf(SignatureStore.PartitionKeyOf(petitionId, shard), items, items[^1].SignedAt.AddSeconds(1));
            inFlight.Add(table.SubmitTransactionAsync(rows.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r))));
            if (inFlight.Count >= 8)
            {
                await Task.WhenAll(inFlight);
                inFlight.Clear();
            }
        }

        for (var i = 0; i < count; i++)
        {
            var email = $"signer{i}@example.org";
            var valid = new ValidSignature("Ana", "García" + (i % 1000).ToString(CultureInfo.InvariantCulture), email, email, "10027", "NY", "New York", "US", null, OptIn: true);
            var (shard, rowKey) = store.KeyOf(petitionId, email);
            buffers[shard].Add(new SignatureStore.Pending("bench", valid, start.AddMilliseconds(i), shard, rowKey) { Lang = i % 10 == 0 ? SignerLanguage.Spanish : null });
            if (buffers[shard].Count == SignatureStore.MaxInsertsPerTransaction) await FlushAsync(shard);
        }
        for (var shard = 0; shard < buffers.Length; shard++)
            if (buffers[shard].Count > 0) await FlushAsync(shard);
        await Task.WhenAll(inFlight);
    }
}
