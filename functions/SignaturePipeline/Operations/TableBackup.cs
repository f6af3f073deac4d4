using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using SignaturePipeline.Storage;
using SignaturePipeline.Timers;

namespace SignaturePipeline.Operations;

/// <summary>What a backup or a restore wrote: rows per table.</summary>
public sealed record BackupSummary(string BackupId, IReadOnlyDictionary<string, long> Rows);

/// <summary>
/// Backs up every table to blob container <c>backups</c>, as JSON lines streamed page by page (memory stays bounded
/// whatever the table's size): <c>{backupId}/{table}.jsonl</c>, backup ids <c>yyyyMMddTHHmmssZ</c>. Each line is one
/// entity: <c>{"pk":…,"rk":…,"p":{"Name":{"t":"s|b|i|l|d|t|g|x","v":…}}}</c>, typed so a restore writes back exactly
/// the Edm types it read. Tables have no point-in-time restore in Azure; blob versioning and soft delete protect these
/// files. A restore upserts every line into its table (rows written since the backup stay; a wiped table comes back).
/// </summary>
public sealed class TableBackup(TableServiceClient tables, BlobServiceClient blobs, TimerRunLog timerRuns, TimeProvider clock, ILogger<TableBackup> logger)
{
    private const int Batch = 100;

    public static bool IsBackupId(string? id) =>
        id is { Length: 16 } && DateTime.TryParseExact(id, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    /// <summary>The <c>BackupTables</c> timer.</summary>
    public async Task<BackupSummary> ExportAsync(CancellationToken ct)
    {
        var id = clock.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var container = blobs.GetBlobContainerClient(ContainerNames.Backups);
        var rows = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in TableNames.All)
        {
            long count = 0;
            await using (var stream = await container.GetBlobClient($"{id}/{table}.jsonl").OpenWriteAsync(overwrite: true, cancellationToken: ct).ConfigureAwait(false))
            await using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { SkipValidation = true }))
            {
                await foreach (var entity in tables.GetTableClient(table).QueryAsync<TableEntity>(maxPerPage: 1000, cancellationToken: ct).ConfigureAwait(false))
                {
                    Write(json, entity);
                    await json.FlushAsync(ct).ConfigureAwait(false);
                    stream.WriteByte((byte)'\n');
                    json.Reset();
                    count++;
                }
            }
            rows[table] = count;
        }
        await timerRuns.RecordAsync(PipelineTimers.BackupTables, ct).ConfigureAwait(false);
        logger.LogInformation("Backed up tables to {BackupId}: {Rows} rows", id, rows.Values.Sum());
        return new BackupSummary(id, rows);
    }

    /// <summary>Writes a backup's rows back into their tables (upsert, batched per partition). Null when there is no such backup.</summary>
    public async Task<BackupSummary?> RestoreAsync(string backupId, CancellationToken ct)
    {
        if (!IsBackupId(backupId)) return null;
        var container = blobs.GetBlobContainerClient(ContainerNames.Backups);
        var rows = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in TableNames.All)
        {
            var blob = container.GetBlobClient($"{backupId}/{table}.jsonl");
            if (!await blob.ExistsAsync(ct).ConfigureAwait(false)) return table == TableNames.All[0] ? null : throw new InvalidOperationException($"Backup {backupId} has no {table}.");
            var client = tables.GetTableClient(table);
            await client.CreateIfNotExistsAsync(ct).ConfigureAwait(false);
            long count = 0;
            var pending = new List<TableTransactionAction>(Batch);
            await using var stream = await blob.OpenReadAsync(cancellationToken: ct).ConfigureAwait(false);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
            {
                if (line.Length == 0) continue;
                var entity = Read(line);
                // A transaction holds one partition: the export is in key order, so a partition's rows are consecutive.
                if (pending.Count == Batch || pending.Count > 0 && pending[0].Entity.PartitionKey != entity.PartitionKey)
                    await FlushAsync(client, pending, ct).ConfigureAwait(false);
                pending.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, entity));
                count++;
            }
            await FlushAsync(client, pending, ct).ConfigureAwait(false);
            rows[table] = count;
        }
        logger.LogWarning("Restored tables from backup {BackupId}: {Rows} rows", backupId, rows.Values.Sum());
        return new BackupSummary(backupId, rows);
    }

    private static async Task FlushAsync(TableClient client, List<TableTransactionAction> pending, CancellationToken ct)
    {
        if (pending.Count == 0) return;
        await client.SubmitTransactionAsync(pending, ct).ConfigureAwait(false);
        pending.Clear();
    }

    private static void Write(Utf8JsonWriter json, TableEntity entity)
    {
        json.WriteStartObject();
        json.WriteString("pk", entity.PartitionKey);
        json.WriteString("rk", entity.RowKey);
        json.WriteStartObject("p");
        foreach (var (name, value) in entity)
        {
            if (name is "PartitionKey" or "RowKey" or "Timestamp" or "odata.etag" || value is null) continue;
            json.WriteStartObject(name);
            switch (value)
            {
                case string s: json.WriteString("t", "s"); json.WriteString("v", s); break;
                case bool b: json.WriteString("t", "b"); json.WriteBoolean("v", b); break;
                case int i: json.WriteString("t", "i"); json.WriteNumber("v", i); break;
                case long l: json.WriteString("t", "l"); json.WriteString("v", l.ToString(CultureInfo.InvariantCulture)); break;
                case double d: json.WriteString("t", "d"); json.WriteString("v", d.ToString("R", CultureInfo.InvariantCulture)); break;
                case DateTimeOffset t: json.WriteString("t", "t"); json.WriteString("v", t.ToString("O", CultureInfo.InvariantCulture)); break;
                case DateTime t: json.WriteString("t", "t"); json.WriteString("v", new DateTimeOffset(t.ToUniversalTime()).ToString("O", CultureInfo.InvariantCulture)); break;
                case Guid g: json.WriteString("t", "g"); json.WriteString("v", g.ToString("D")); break;
                case byte[] x: json.WriteString("t", "x"); json.WriteBase64String("v", x); break;
                case BinaryData x: json.WriteString("t", "x"); json.WriteBase64String("v", x.ToArray()); break;
                default: throw new InvalidOperationException($"Column {name} has a type a backup cannot keep: {value.GetType().Name}.");
            }
            json.WriteEndObject();
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static TableEntity Read(string line)
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        var entity = new TableEntity(root.GetProperty("pk").GetString(), root.GetProperty("rk").GetString());
        foreach (var p in root.GetProperty("p").EnumerateObject())
        {
            var v = p.Value.GetProperty("v");
            entity[p.Name] = p.Value.GetProperty("t").GetString() switch
            {
                "s" => v.GetString(),
                "b" => v.GetBoolean(),
                "i" => v.GetInt32(),
                "l" => long.Parse(v.GetString()!, CultureInfo.InvariantCulture),
                "d" => double.Parse(v.GetString()!, CultureInfo.InvariantCulture),
                "t" => DateTimeOffset.Parse(v.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                "g" => Guid.Parse(v.GetString()!),
                "x" => v.GetBytesFromBase64(),
                var t => throw new InvalidOperationException($"Unknown type {t} in a backup line."),
            };
        }
        return entity;
    }
}
