using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using CsvHelper;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using SignaturePipeline.Deliveries;
using SignaturePipeline.Email;
using SignaturePipeline.Intake;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Petitions;
using SignaturePipeline.Receipts;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;
using SignaturePipeline.Storage;

namespace SignaturePipeline.IntegrationTests.Deliveries;

/// <summary>
/// The production registration against the shared Azurite, with only the email transport swapped (it records) and the
/// clock made movable. Signatures go in through the queue processor, as the queue trigger hands them over; a row intake
/// would refuse (a name that starts with '=') is written with <see cref="SignatureStore.RowsOf"/>, the store's own format.
/// </summary>
public sealed class DeliveryHarness : IAsyncDisposable
{
    public static readonly PetitionDefinition.TargetDefinition GovernorNy = new("governor", "Gov. Andrew Cuomo", "governor-ny@deliveries.example.org", "NY");
    public static readonly PetitionDefinition.TargetDefinition President = new("president", "President Barack Obama", "president@deliveries.example.org", null);

    private static readonly Dictionary<string, string> ZipOf = new() { ["NY"] = "10027", ["CA"] = "94105", ["TX"] = "75201", ["IL"] = "60601" };

    private DeliveryHarness(ServiceProvider services, RecordingEmailTransport transport, ShiftableClock clock)
    {
        Services = services;
        Transport = transport;
        Clock = clock;
    }

    public ServiceProvider Services { get; }
    public RecordingEmailTransport Transport { get; }
    public ShiftableClock Clock { get; }
    public DeliveryCompiler Compiler => Services.GetRequiredService<DeliveryCompiler>();
    public DeliveryOptions Options => Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DeliveryOptions>>().Value;

    public static async Task<DeliveryHarness> StartAsync(AzuriteFixture azurite, IDictionary<string, string?>? overrides = null)
    {
        var transport = new RecordingEmailTransport();
        var clock = new ShiftableClock();
        var services = await azurite.BuildServicesAsync(overrides, configure: s =>
        {
            s.AddSingleton<IEmailTransport>(transport);
            s.AddSingleton<TimeProvider>(clock);
        });
        return new DeliveryHarness(services, transport, clock);
    }

    public async ValueTask DisposeAsync() => await Services.DisposeAsync();

    public async Task<string> PetitionAsync(params PetitionDefinition.TargetDefinition[] targets)
    {
        var id = AzuriteFixture.NewPetitionId("dl");
        var definition = AzuriteFixture.Definition("Stop S-Comm in New York", "open", targets) with
        {
            Letter = "Governor Cuomo,\n\nWe, the undersigned, ask you to end New York's S-Comm agreement now.\n\nPlease protect our families.",
            Organizers = [$"organizer-{id}@example.org"],
        };
        Assert.IsType<SavePetitionResult.Saved>(await Services.GetRequiredService<PetitionHandlers>().SaveAsync(id, definition, CancellationToken.None));
        return id;
    }

    public static SignatureInput Signer(string first, string last, string state = "NY", string? city = null, string? comment = null, string? email = null) => new()
    {
        FirstName = first,
        LastName = last,
        Email = email ?? $"{Guid.NewGuid():N}@signers.example.net",
        PostalCode = ZipOf[state],
        State = state,
        City = city,
        Comment = comment,
    };

    /// <summary>Signs through the queue processor, then moves the clock past the safety margin so the signatures are deliverable.</summary>
    public async Task SignAsync(string petitionId, params SignatureInput[] signers)
    {
        var hmac = Services.GetRequiredService<Hmac>();
        var batch = ReceiptId.NewBatch();
        var items = signers.Select((s, i) => new QueuedSignature(ReceiptId.Create(hmac, batch, i).Value, petitionId, Clock.GetUtcNow(), s)).ToList();
        var summary = await Services.GetRequiredService<SignatureProcessor>()
            .ProcessAsync(new SignatureMessage(SignatureMessage.CurrentSchema, items).Serialize(), Guid.NewGuid().ToString(), 1, CancellationToken.None);
        Assert.Equal(signers.Length, summary.Counted);
        PassSafetyMargin();
    }

    public async Task<(string First, string Last, string City)> SignNamedAsync(string petitionId, int count, string state = "NY", string? comment = null)
    {
        var signers = Enumerable.Range(0, count).Select(i => Signer("Signer", $"{state}{i}", state, "Town", comment)).ToArray();
        await SignAsync(petitionId, signers);
        return ("Signer", $"{state}0", "Town");
    }

    /// <summary>Writes one signer's rows exactly as the store does, bypassing intake's rules (for values intake refuses).</summary>
    public async Task SeedRowAsync(string petitionId, string first, string last, string? city, string? comment, string state = "NY")
    {
        var store = Services.GetRequiredService<SignatureStore>();
        var email = $"{Guid.NewGuid():N}@signers.example.net";
        var (shard, rowKey) = store.KeyOf(petitionId, email);
        var now = Clock.GetUtcNow();
        var valid = new ValidSignature(first, last, email, email, ZipOf[state], state, city, "US", comment, false);
        var pk = SignatureStore.PartitionKeyOf(petitionId, shard);
        var table = Services.GetRequiredService<TableServiceClient>().GetTableClient(TableNames.Signatures);
        await table.SubmitTransactionAsync(SignatureStore.RowsOf(pk, [new SignatureStore.Pending("seeded-" + Guid.NewGuid().ToString("N"), valid, now, shard, rowKey)], now)
            .Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)), CancellationToken.None);
        PassSafetyMargin();
    }

    public void PassSafetyMargin() => Clock.Offset += TimeSpan.FromSeconds(121);

    public async Task<IReadOnlyList<TargetDeliveryResult>> DeliverAsync(string petitionId, string? target = null)
    {
        var result = Assert.IsType<DeliverNowResult.Done>(await Compiler.DeliverNowAsync(petitionId, target, CancellationToken.None));
        return result.Targets;
    }

    /// <summary>This petition's delivery emails: other tests' petitions share the Azurite, and a timer run sees them all.</summary>
    public IReadOnlyList<(MimeMessage Message, string Key)> Emails(string petitionId, string? recipient = null) =>
        Transport.Sent.Where(s => s.Key.StartsWith($"delivery:{petitionId}:", StringComparison.Ordinal)
            && (recipient is null || s.Key.Contains($":{recipient}", StringComparison.Ordinal))).ToList();

    public static byte[] Attachment(MimeMessage message, string fileName)
    {
        var part = message.Attachments.OfType<MimePart>().Single(a => a.FileName == fileName);
        using var buffer = new MemoryStream();
        part.Content!.DecodeTo(buffer);
        return buffer.ToArray();
    }

    public async Task<byte[]> FileAsync(string petitionId, string targetId, string week, string name)
    {
        var blob = Services.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(ContainerNames.Deliveries)
            .GetBlobClient(DeliveryFiles.FolderOf(petitionId, targetId, week) + name);
        return (await blob.DownloadContentAsync()).Value.Content.ToArray();
    }

    public string Week => DeliveryStore.IsoWeekOf(Clock.GetUtcNow());

    /// <summary>The CSV's data rows, each cell as the file holds it (an injection escape included).</summary>
    public static List<string[]> CsvRows(byte[] csv)
    {
        using var reader = CsvReader.Create(csv, SignerList.ReaderOptions());
        var rows = new List<string[]>();
        while (reader.Read()) rows.Add(Enumerable.Range(0, reader.FieldCount).Select(reader.GetString).ToArray());
        Assert.Equal(SignerList.Header, reader.Headers);
        return rows;
    }

    /// <summary>The manifest's hash, recomputed from nothing but the CSV, as an auditor would (see SignerList's canonical form).</summary>
    public static string HashOfCsv(byte[] csv)
    {
        using var hasher = new SignerList.Hasher();
        foreach (var row in CsvRows(csv)) hasher.Append(row.Select(SignerList.Unescape).ToArray());
        return hasher.HexDigest();
    }

    /// <summary>The PDF's text as poppler's pdftotext reads it, in layout mode (one table row per line).</summary>
    public static async Task<string> PdfTextAsync(byte[] pdf)
    {
        var path = Path.Combine(Path.GetTempPath(), $"delivery-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(path, pdf);
        try
        {
            var start = new ProcessStartInfo("pdftotext") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { "-layout", "-enc", "UTF-8", path, "-" }) start.ArgumentList.Add(arg);
            using var process = Process.Start(start) ?? throw new InvalidOperationException("pdftotext did not start (apt-get install poppler-utils).");
            var text = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, await process.StandardError.ReadToEndAsync());
            return text;
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static string N(long n) => n.ToString("N0", CultureInfo.GetCultureInfo("en-US"));
}
