using System.Diagnostics;
using System.Globalization;
using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using CsvHelper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using MimeKit;
using SignaturePipeline.Deliveries;
using SignaturePipeline.Email;
using SignaturePipeline.LocalHost.Azurite;
using SignaturePipeline.Petitions;
using SignaturePipeline.Signatures;
using SignaturePipeline.Storage;

namespace SignaturePipeline.Bench;

/// <summary>
/// One weekly delivery of N signatures to the President: time and peak memory of the compile, from the index rows
/// in Azurite to the PDF, CSV and manifest in Azurite's blob storage and the emails handed to a transport.
/// <para>The signatures are seeded straight into the table, <see cref="SignatureStore.MaxInsertsPerTransaction"/> per entity-group transaction with their index row, through
/// <see cref="SignatureStore.RowsOf"/>, the store's own format: going through intake would take hours at Azurite's rates
/// and measure intake, not the delivery. Full transactions are what group commit writes under load; the shard counters
/// are left out (a delivery never reads them).</para>
/// </summary>
public static class DeliveryBenchmark
{
    private static readonly (string State, string Zip, string City)[] Places =
    [
        ("NY", "10027", "New York"), ("NY", "11372", "Jackson Heights"), ("NY", "14201", "Buffalo"), ("CA", "94105", "San Francisco"),
        ("CA", "90033", "Los Angeles"), ("TX", "75201", "Dallas"), ("TX", "78701", "Austin"), ("IL", "60601", "Chicago"),
        ("FL", "33130", "Miami"), ("AZ", "85003", "Phoenix"), ("WA", "98101", "Seattle"), ("MA", "02139", "Cambridge"),
    ];
    private static readonly string[] FirstNames = ["Ana", "José", "Zoë", "Maria", "John", "Alina", "Алина", "小龙", "Fatima", "Nguyễn", "Sam", "Olivia"];
    private static readonly string[] LastNames = ["García", "Nuñez", "Smith", "Петрова", "李", "O'Neil", "Johnson", "Hernández", "Kowalski", "Tran"];
    private static readonly string[] Comments = ["Families belong together.", "¡Adelante! Ningún ser humano es ilegal.", "End S-Comm now: it makes all of us less safe.", "支持这个请愿"];

    private sealed class CountingTransport : IEmailTransport
    {
        public int Sent;
        public long Bytes;

        public async Task SendAsync(MimeMessage message, string idempotencyKey, CancellationToken ct)
        {
            var counter = new MemoryStream();
            await message.WriteToAsync(counter, ct);
            Interlocked.Add(ref Bytes, counter.Length);
            Interlocked.Increment(ref Sent);
        }
    }

    public static async Task<string> RunAsync(BenchOptions options)
    {
        var n = options.Delivery;
        await using var azurite = await AzuriteProcess.StartAsync(options.Root, location: null);
        Console.WriteLine($"Azurite on {azurite.TablePort}/{azurite.BlobPort}, pid {azurite.ProcessId}");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Pipeline:SecretKey"] = "benchmark-secret-key-0123456789",
            ["Pipeline:ShardCount"] = "8",
            ["Logging:LogLevel:Default"] = "Warning",
        }).Build();
        var transport = new CountingTransport();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSignaturePipeline(configuration);
        services.AddSingleton<IEmailTransport>(transport);
        await using var provider = services.BuildServiceProvider();
        foreach (var hosted in provider.GetServices<IHostedService>().OfType<StorageInitializer>()) await hosted.StartAsync(CancellationToken.None);

        var petitionId = "bench-delivery-" + Guid.NewGuid().ToString("N")[..8];
        var saved = await provider.GetRequiredService<PetitionHandlers>().SaveAsync(petitionId, new PetitionDefinition
        {
            Title = "President Obama: End S-Comm Now",
            Letter = "President Obama,\n\nWe, the undersigned, ask you to end the Secure Communities program.\n\nPlease terminate S-Comm immediately.",
            Targets = [new("president", "President Barack Obama", "president@deliveries.example.org", null)],
            Organizers = ["team@presente.example.org"],
            Goal = 1_000_000,
            Status = "open",
            AllowedOrigins = ["*"],
        }, CancellationToken.None);
        if (saved is not SavePetitionResult.Saved) throw new InvalidOperationException("The benchmark petition was refused.");

        var seedWatch = Stopwatch.StartNew();
        await SeedAsync(provider, petitionId, n);
        var seedSeconds = seedWatch.Elapsed.TotalSeconds;
        Console.WriteLine($"seeded {n:N0} signatures in {seedSeconds:F0} s ({n / seedSeconds:N0}/s)");

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var resetPeak = ResetPeak();
        var baseline = Machine.SelfPeakMiB();
        var watch = Stopwatch.StartNew();
        var result = await provider.GetRequiredService<DeliveryCompiler>().DeliverNowAsync(petitionId, null, CancellationToken.None);
        var seconds = watch.Elapsed.TotalSeconds;
        var peak = Machine.SelfPeakMiB();
        var azuritePeak = Machine.PeakMiB(azurite.ProcessId);
        var outcome = ((DeliverNowResult.Done)result).Targets.Single();
        Console.WriteLine($"delivered {outcome.Count:N0} ({outcome.Outcome}) in {seconds:F1} s, peak {peak:N0} MiB{(outcome.Error is null ? "" : ", error " + outcome.Error)}");

        // Check what was delivered, outside the measured time: the manifest, and the CSV read back and re-hashed.
        var record = (await provider.GetRequiredService<DeliveryStore>().ListAsync(petitionId, null, CancellationToken.None)).Single();
        var manifest = DeliveryManifest.Parse(record.Manifest)!;
        var verified = await VerifyCsvAsync(provider, record, manifest);
        var pdf = manifest.Files.Single(f => f.Name == DeliveryFiles.PdfName);
        var csv = manifest.Files.Single(f => f.Name == DeliveryFiles.CsvName);

        string Mark(bool ok) => ok ? "met" : "not met";
        var md = new StringBuilder();
        md.AppendLine("## Weekly delivery (issue 6)");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Machine.Describe()}. `dotnet run -c Release --project bench/SignaturePipeline.Bench -- --delivery {n}`.");
        md.AppendLine(CultureInfo.InvariantCulture, $"{n:N0} signatures of one petition, 8 shards, seeded {SignatureStore.MaxInsertsPerTransaction} per transaction with their index row through `SignatureStore.RowsOf` ({seedSeconds:N0} s, {n / seedSeconds:N0} signatures/s); then one delivery to the President: tally, record, compile (PDF, CSV, manifest to blob storage), two emails with links.");
        md.AppendLine();
        md.AppendLine("| measure | value | target | |");
        md.AppendLine("| --- | ---: | --- | --- |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| delivery, index to emails sent | {seconds:N1} s ({outcome.Count / seconds:N0} signers/s) | < 60 s | {Mark(seconds < 60)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| peak memory during the delivery (process, VmHWM{(resetPeak ? " reset before it" : ", since start")}) | {peak:N0} MiB (baseline {baseline:N0} MiB) | < 300 MB | {Mark(peak * 1.048576 < 300)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| signers delivered / recorded / re-hashed from the CSV | {outcome.Count:N0} / {record.Count:N0} / {verified:N0} | all {n:N0} | {Mark(outcome.Count == n && verified == n)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| delivery.pdf | {pdf.Bytes / 1048576.0:N1} MiB | | |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| signers.csv | {csv.Bytes / 1048576.0:N1} MiB | | |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| emails (links, not attachments, past 5 MB) | {transport.Sent} ({transport.Bytes / 1024.0:N0} KiB in all) | | |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| peak memory, Azurite | {azuritePeak:N0} MiB | | |");
        md.AppendLine();
        md.AppendLine("Why it streams: the delivery reads one page of index rows at a time (each row lists one transaction's signers), while the next page is fetched; each signer goes to the CSV writer (uploaded in 4 MiB blocks), to the PDF (SkiaSharp writes each page when it ends) and to an incremental SHA-256. The totals on the first pages come from the rows' tallies, read first. Azurite answers every page by scanning the whole table, so fewer, fuller index rows are what make the read side cheap here.");
        return md.ToString();
    }

    /// <summary>Linux: writing 5 to clear_refs resets VmHWM, so the peak measured is the delivery's, not the seeding's.</summary>
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
        var random = new Random(42);
        var buffers = Enumerable.Range(0, store.ShardCount).Select(_ => new List<SignatureStore.Pending>(SignatureStore.MaxInsertsPerTransaction)).ToArray();
        var inFlight = new List<Task>();
        // Counted over the last day before now, so the whole list is inside the delivery window.
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        var step = TimeSpan.FromTicks(TimeSpan.FromHours(23).Ticks / Math.Max(1, count));
        var written = 0;

        async Task FlushAsync(int shard)
        {
            var items = buffers[shard].ToList();
            buffers[shard].Clear();
            var countedAt = items[^1].SignedAt.AddSeconds(1);
            var rows = SignatureStore.RowsOf(SignatureStore.PartitionKeyOf(petitionId, shard), items, countedAt);
            inFlight.Add(table.SubmitTransactionAsync(rows.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r))));
            if (inFlight.Count >= 8)
            {
                await Task.WhenAll(inFlight);
                inFlight.Clear();
            }
        }

        for (var i = 0; i < count; i++)
        {
            var (state, zip, city) = Places[random.Next(Places.Length)];
            var email = $"signer{i}@example.org";
            var valid = new ValidSignature(FirstNames[random.Next(FirstNames.Length)], LastNames[random.Next(LastNames.Length)] + (i % 1000).ToString(CultureInfo.InvariantCulture),
                email, email, zip, state, city, "US", random.Next(10) == 0 ? Comments[random.Next(Comments.Length)] : null, false);
            var (shard, rowKey) = store.KeyOf(petitionId, email);
            buffers[shard].Add(new SignatureStore.Pending("bench", valid, start + step * i, shard, rowKey));
            if (buffers[shard].Count == SignatureStore.MaxInsertsPerTransaction) await FlushAsync(shard);
            if (++written % 100_000 == 0) Console.WriteLine($"  {written:N0} seeded");
        }
        for (var shard = 0; shard < buffers.Length; shard++)
            if (buffers[shard].Count > 0) await FlushAsync(shard);
        await Task.WhenAll(inFlight);
    }

    private static async Task<long> VerifyCsvAsync(IServiceProvider services, DeliveryRecord record, DeliveryManifest manifest)
    {
        var blob = services.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(ContainerNames.Deliveries)
            .GetBlobClient(DeliveryFiles.FolderOf(record.PetitionId, record.TargetId, record.Week) + DeliveryFiles.CsvName);
        await using var stream = await blob.OpenReadAsync();
        using var reader = CsvReader.Create(stream, SignerList.ReaderOptions());
        using var hasher = new SignerList.Hasher();
        var fields = new string[SignerList.Header.Length];
        while (reader.Read())
        {
            for (var i = 0; i < fields.Length; i++) fields[i] = SignerList.Unescape(reader.GetString(i));
            hasher.Append(fields);
        }
        var count = hasher.Count;
        if (hasher.HexDigest() != manifest.SignersSha256) throw new InvalidOperationException("The CSV does not hash to the manifest's signersSha256.");
        return count;
    }
}
