using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.Confirmation;
using SignaturePipeline.Deliveries;
using SignaturePipeline.IntegrationTests.Deliveries;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Privacy;
using SignaturePipeline.Signatures;
using SignaturePipeline.Storage;
using static SignaturePipeline.IntegrationTests.Deliveries.DeliveryHarness;

namespace SignaturePipeline.IntegrationTests.Privacy;

/// <summary>
/// Erasure against everything the pipeline stores: every table, every entity, every string property, and every blob
/// (the CSV and manifest as text, the PDF as pdftotext reads it) must be free of the erased signer afterwards.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class ErasureEverywhereTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task An_erased_signer_is_found_in_no_table_and_no_delivered_file_and_the_delivered_counts_stay()
    {
        await using var h = await StartAsync(azurite);
        var id = await h.PetitionAsync(GovernorNy, President);
        // Unique to this run, so a hit can only be this signer: tests share the Azurite.
        var last = "Zq" + string.Concat(Guid.NewGuid().ToString("N").Where(char.IsAsciiLetter).Take(8));
        var email = $"{last.ToLowerInvariant()}.erased@example.org";
        var comment = $"Words of {last} alone";
        await h.SignAsync(id, Signer("Kept", "Signer", "NY", "Albany", "Kept words"), Signer("Zelda", last, "NY", "Albany", comment, email));
        Assert.All(await h.DeliverAsync(id), r => Assert.Equal((DeliveryOutcome.Delivered, 2L), (r.Outcome, r.Count)));
        Assert.Contains(last, Encoding.UTF8.GetString(await h.FileAsync(id, "president", h.Week, DeliveryFiles.CsvName)), StringComparison.Ordinal);
        Assert.Contains(last, await PdfTextAsync(await h.FileAsync(id, "governor-ny", h.Week, DeliveryFiles.PdfName)), StringComparison.Ordinal);
        var store = h.Services.GetRequiredService<SignatureStore>();
        Assert.Contains(await store.RecentCommentsAsync(id, h.Clock.GetUtcNow().AddDays(-7), 20, CancellationToken.None), c => c.Text == comment);
        // An email not sent yet, holding the address (a re-sent link).
        var (shard, rowKey) = store.KeyOf(id, email);
        Assert.True(await store.AddOutboxAsync(id, shard, new OutboxRow("erasure-test_r1", SignerMailKinds.Confirm, "erasure-test", rowKey, email, null, h.Clock.GetUtcNow()), CancellationToken.None));
        var before = await h.Compiler.ListAsync(id, null, CancellationToken.None);

        Assert.Equal(ErasureOutcome.Removed, await h.Services.GetRequiredService<PrivacyHandlers>().EraseAsync(id, email, CancellationToken.None));

        Assert.Empty(await FindAsync(h, last, email));

        // Everyone else is still listed, the lists still match their manifests, and what was delivered keeps its counts.
        var after = Assert.IsType<ListDeliveriesResult.Found>(await h.Compiler.ListAsync(id, null, CancellationToken.None));
        Assert.Equal(
            Assert.IsType<ListDeliveriesResult.Found>(before).Deliveries.Select(d => (d.TargetId, d.Count, d.CumulativeCount, d.Status)),
            after.Deliveries.Select(d => (d.TargetId, d.Count, d.CumulativeCount, d.Status)));
        foreach (var target in new[] { "president", "governor-ny" })
        {
            var csv = await h.FileAsync(id, target, h.Week, DeliveryFiles.CsvName);
            Assert.Equal("Signer", Assert.Single(CsvRows(csv))[1]);
            Assert.Contains("Signer", await PdfTextAsync(await h.FileAsync(id, target, h.Week, DeliveryFiles.PdfName)), StringComparison.Ordinal);
            var manifest = JsonDocument.Parse(await h.FileAsync(id, target, h.Week, DeliveryFiles.ManifestName)).RootElement;
            Assert.Equal((2L, 1L, HashOfCsv(csv)), (manifest.GetProperty("count").GetInt64(), manifest.GetProperty("erased").GetInt64(), manifest.GetProperty("signersSha256").GetString()));
        }
        Assert.Equal(1L, (await store.GetCountsAsync(id, CancellationToken.None)).Total);
    }

    [Fact]
    public async Task Anonymising_a_petition_deletes_its_delivery_lists_and_highlights_and_keeps_the_records_and_manifests()
    {
        await using var h = await StartAsync(azurite);
        var id = await h.PetitionAsync(President);
        var last = "Zq" + string.Concat(Guid.NewGuid().ToString("N").Where(char.IsAsciiLetter).Take(8));
        var email = $"{last.ToLowerInvariant()}.anon@example.org";
        await h.SignAsync(id, Signer("Yves", last, "CA", "Fresno", $"Words of {last}", email));
        Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(await h.DeliverAsync(id)).Outcome);
        Assert.NotEmpty(await FindAsync(h, last, email));

        await h.Services.GetRequiredService<PrivacyHandlers>().AnonymiseAsync(id, CancellationToken.None);

        Assert.Empty(await FindAsync(h, last, email));
        var delivery = Assert.Single(Assert.IsType<ListDeliveriesResult.Found>(await h.Compiler.ListAsync(id, null, CancellationToken.None)).Deliveries);
        Assert.Equal((1L, "sent"), (delivery.Count, delivery.Status));
        var manifest = JsonDocument.Parse(await h.FileAsync(id, "president", h.Week, DeliveryFiles.ManifestName)).RootElement;
        Assert.Equal(1L, manifest.GetProperty("count").GetInt64());
        var blobs = h.Services.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(ContainerNames.Deliveries);
        Assert.False((await blobs.GetBlobClient(DeliveryFiles.FolderOf(id, "president", h.Week) + DeliveryFiles.CsvName).ExistsAsync()).Value);
    }

    /// <summary>Every string property of every entity of every table, and every blob's text, that names the signer.</summary>
    private static async Task<List<string>> FindAsync(DeliveryHarness h, string last, string email)
    {
        var found = new List<string>();
        var tables = h.Services.GetRequiredService<TableServiceClient>();
        foreach (var name in TableNames.All)
            await foreach (var entity in tables.GetTableClient(name).QueryAsync<TableEntity>())
                foreach (var (key, value) in entity)
                    if (value is string text && Names(text, last, email))
                        found.Add($"table {name} {entity.PartitionKey}/{entity.RowKey} {key}");
        var blobs = h.Services.GetRequiredService<BlobServiceClient>();
        foreach (var container in ContainerNames.All)
        {
            var client = blobs.GetBlobContainerClient(container);
            await foreach (var blob in client.GetBlobsAsync())
            {
                var bytes = (await client.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToArray();
                var text = blob.Name.EndsWith(".pdf", StringComparison.Ordinal) ? await PdfTextAsync(bytes) : Encoding.UTF8.GetString(bytes);
                if (Names(text, last, email)) found.Add($"blob {container}/{blob.Name}");
            }
        }
        return found;
    }

    private static bool Names(string text, string last, string email) =>
        text.Contains(last, StringComparison.OrdinalIgnoreCase) || text.Contains(email, StringComparison.OrdinalIgnoreCase);
}
