using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.IntegrationTests.Abuse;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Operations;
using SignaturePipeline.Signatures;
using SignaturePipeline.Storage;
using static SignaturePipeline.IntegrationTests.Infrastructure.PipelineClient;

namespace SignaturePipeline.IntegrationTests.Operations;

/// <summary>The table backup on real Azurite: export, wipe, restore through the admin route, compare.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class TableBackupTests(AzuriteFixture azurite)
{
    private static async Task<List<TableEntity>> RowsAsync(TableClient table, string filter)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter)) rows.Add(row);
        return rows;
    }

    private static string Describe(IEnumerable<TableEntity> rows) => string.Join("\n", rows
        .OrderBy(r => r.PartitionKey, StringComparer.Ordinal).ThenBy(r => r.RowKey, StringComparer.Ordinal)
        .Select(r => string.Join(";", r.Where(kv => kv.Key is not ("Timestamp" or "odata.etag"))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value?.GetType().Name}:{kv.Value}"))));

    [Fact]
    public async Task A_petition_wiped_from_its_tables_comes_back_exactly_from_the_nightly_backup()
    {
        await using var h = await AbuseHost.StartAsync(azurite);
        var petition = await CreatePetitionAsync(h.Host);
        for (var i = 0; i < 5; i++)
            await WaitForFinalAsync(h.Client, await SignAsync(h.Client, petition, Signer($"kept{i}@example.org", comment: $"Comment {i}")));
        var tables = h.Host.Services.GetRequiredService<TableServiceClient>();
        var signatures = tables.GetTableClient(TableNames.Signatures);
        var petitions = tables.GetTableClient(TableNames.Petitions);
        var ofPetition = TableClient.CreateQueryFilter($"PartitionKey ge {petition + "_"} and PartitionKey lt {petition + "`"}");
        var petitionRow = TableClient.CreateQueryFilter($"RowKey eq {petition}");
        var before = Describe(await RowsAsync(signatures, ofPetition)) + "\n" + Describe(await RowsAsync(petitions, petitionRow));
        Assert.Contains("kept4@example.org", before, StringComparison.Ordinal);

        var backup = await h.Host.Services.GetRequiredService<TableBackup>().ExportAsync(CancellationToken.None);
        Assert.True(backup.Rows[TableNames.Signatures] >= 5);

        // An admin's mistake: every row of the petition deleted.
        foreach (var row in await RowsAsync(signatures, ofPetition)) await signatures.DeleteEntityAsync(row.PartitionKey, row.RowKey);
        foreach (var row in await RowsAsync(petitions, petitionRow)) await petitions.DeleteEntityAsync(row.PartitionKey, row.RowKey);
        Assert.Empty(await RowsAsync(signatures, ofPetition));

        var restored = await h.AdminPostAsync($"/api/admin/backups/{backup.BackupId}/restore", new { });
        Assert.Equal(backup.Rows[TableNames.Signatures], restored.GetProperty("rows").GetProperty(TableNames.Signatures).GetInt64());
        var after = Describe(await RowsAsync(signatures, ofPetition)) + "\n" + Describe(await RowsAsync(petitions, petitionRow));
        Assert.Equal(before, after);
        Assert.Equal(5, (await h.Host.Services.GetRequiredService<SignatureStore>().RecountAsync(petition, CancellationToken.None)).Total);

        await h.AdminPostAsync("/api/admin/backups/20000101T000000Z/restore", new { }, System.Net.HttpStatusCode.NotFound);
        await h.AdminPostAsync("/api/admin/backups/not-a-backup/restore", new { }, System.Net.HttpStatusCode.NotFound);
    }
}
