using Azure.Data.Tables;
using SignaturePipeline.Security;
using SignaturePipeline.Storage;

namespace SignaturePipeline.Receipts;

/// <summary>
/// Final states of receipts, in two tables.
/// <para>Table <c>receipts</c>: PartitionKey = the receipt's batch (its queue message, see <see cref="ReceiptId"/>),
/// RowKey <c>outcomes</c>: one row holds every receipt of the batch (a compact JSON list in a binary property).
/// A message of 200 signatures costs one write here instead of 200, which on Azurite (one Node thread for
/// everything) is the difference between receipts costing as much as the signatures and costing nothing.
/// A lookup is still one point read. Writes merge by index under the row's ETag, so a later change to one
/// receipt never erases its neighbours.</para>
/// <para>Table <c>outcomes</c>: PartitionKey = petition id, RowKey = <c>{status}_{receiptId}</c>, for every duplicate and
/// rejection, so organizers can list them per petition. No names or emails: a reason, a state and a time.</para>
/// Both are written with upserts keyed by the receipt, so processing a message again rewrites the same rows.
/// </summary>
public sealed class ReceiptStore(TableServiceClient tables, Hmac hmac, TimeProvider clock)
{
    private readonly TableClient _receipts = tables.GetTableClient(TableNames.Receipts);
    private readonly TableClient _outcomes = tables.GetTableClient(TableNames.Outcomes);

    private const string BatchRowKey = "outcomes";
    private const int MaxMessageLength = 300;
    private static readonly System.Text.Json.JsonSerializerOptions ItemJson = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>One receipt inside a batch row; short names, because a batch row holds up to 4,096 of them.</summary>
    private sealed record Item(int I, string P, ReceiptStatus S, string? R = null, string? F = null, string? M = null, long? N = null, string? St = null);

    public async Task<Receipt?> GetAsync(string receiptId, CancellationToken ct)
    {
        if (!ReceiptId.TryParse(hmac, receiptId, out var id)) return null;
        var row = await _receipts.GetEntityIfExistsAsync<TableEntity>(id.Value.Batch, BatchRowKey, cancellationToken: ct).ConfigureAwait(false);
        var item = row.HasValue ? ItemsOf(row.Value!).FirstOrDefault(i => i.I == id.Value.Index) : null;
        return item is null
            ? new Receipt(receiptId, "", ReceiptStatus.Pending)
            : new Receipt(receiptId, item.P, item.S, item.R, item.F, item.M, item.N, item.St);
    }

    /// <summary>True when the id was issued by this deployment (its HMAC tag checks), whether or not it is final yet.</summary>
    public bool IsIssued(string receiptId) => ReceiptId.TryParse(hmac, receiptId, out _);

    public async Task WriteAsync(IReadOnlyCollection<Receipt> receipts, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var byBatch = new Dictionary<string, List<Item>>(StringComparer.Ordinal);
        foreach (var r in receipts)
        {
            if (!ReceiptId.TryParse(hmac, r.ReceiptId, out var id)) continue;
            var message = r.Message is { Length: > MaxMessageLength } m ? m[..MaxMessageLength] : r.Message;
            (byBatch.TryGetValue(id.Value.Batch, out var list) ? list : byBatch[id.Value.Batch] = [])
                .Add(new Item(id.Value.Index, r.PetitionId, r.Status, r.Reason, r.Field, message, r.SupporterNumber, r.State));
        }
        var outcomes = receipts
            .Where(r => (r.Recorded ?? r.Status) is ReceiptStatus.Duplicate or ReceiptStatus.Rejected && r.PetitionId.Length > 0)
            .Select(r => (Partition: r.PetitionId, Entity: ToOutcome(r, now)))
            .ToList();
        await Task.WhenAll(byBatch.Select(b => MergeBatchAsync(b.Key, b.Value, now, ct)).Append(UpsertAllAsync(_outcomes, outcomes, ct))).ConfigureAwait(false);
    }

    private async Task MergeBatchAsync(string batch, List<Item> items, DateTimeOffset now, CancellationToken ct)
    {
        // The first write of a batch is by far the most common: try it blind, and merge only when the row exists.
        try
        {
            await _receipts.AddEntityAsync(new TableEntity(batch, BatchRowKey)
            {
                ["Items"] = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(items.OrderBy(i => i.I).ToList(), ItemJson),
                ["UpdatedAt"] = now,
            }, ct).ConfigureAwait(false);
            return;
        }
        catch (Azure.RequestFailedException e) when (e.Status == 409)
        {
            // A retry of the message, or a later change to one receipt: merge below.
        }
        for (var attempt = 1; ; attempt++)
        {
            var existing = await _receipts.GetEntityIfExistsAsync<TableEntity>(batch, BatchRowKey, cancellationToken: ct).ConfigureAwait(false);
            var merged = (existing.HasValue ? ItemsOf(existing.Value!) : []).ToDictionary(i => i.I);
            foreach (var item in items) merged[item.I] = item;
            var entity = new TableEntity(batch, BatchRowKey)
            {
                ["Items"] = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(merged.Values.OrderBy(i => i.I).ToList(), ItemJson),
                ["UpdatedAt"] = now,
            };
            try
            {
                if (existing.HasValue) await _receipts.UpdateEntityAsync(entity, existing.Value!.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
                else await _receipts.AddEntityAsync(entity, ct).ConfigureAwait(false);
                return;
            }
            catch (Azure.RequestFailedException e) when (e.Status is 409 or 412 && attempt < 20)
            {
                // Another writer (a retry of the same message, a confirmation) changed the row: merge again.
            }
        }
    }

    private static List<Item> ItemsOf(TableEntity row) =>
        row.GetBinary("Items") is { } bytes ? System.Text.Json.JsonSerializer.Deserialize<List<Item>>(bytes, ItemJson) ?? [] : [];

    /// <summary>Duplicates and rejections of one petition, newest receipt ids last.</summary>
    public async IAsyncEnumerable<Receipt> ListOutcomesAsync(string petitionId, ReceiptStatus status, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var prefix = status.ToString().ToLowerInvariant() + "_";
        var end = prefix[..^1] + "`";
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {petitionId} and RowKey ge {prefix} and RowKey lt {end}");
        await foreach (var row in _outcomes.QueryAsync<TableEntity>(filter, cancellationToken: ct).ConfigureAwait(false))
            yield return FromEntity(row.RowKey[prefix.Length..], row);
    }

    private static async Task UpsertAllAsync(TableClient table, List<(string Partition, TableEntity Entity)> rows, CancellationToken ct)
    {
        // One transaction per partition and per 100 rows: Azure refuses cross-partition transactions even where Azurite accepts them.
        var tasks = rows.GroupBy(r => r.Partition)
            .SelectMany(g => g.Select(r => r.Entity).Chunk(100))
            .Select(chunk => table.SubmitTransactionAsync(
                chunk.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), ct));
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private static TableEntity ToEntity(string partition, string rowKey, Receipt r, DateTimeOffset now) => new(partition, rowKey)
    {
        ["PetitionId"] = r.PetitionId,
        ["Status"] = r.Status.ToString(),
        ["Reason"] = r.Reason,
        ["Field"] = r.Field,
        ["Message"] = r.Message,
        ["SupporterNumber"] = r.SupporterNumber,
        ["State"] = r.State,
        ["UpdatedAt"] = now,
    };

    private static TableEntity ToOutcome(Receipt r, DateTimeOffset now)
    {
        var recorded = r.Recorded ?? r.Status;
        var entity = ToEntity(r.PetitionId, recorded.ToString().ToLowerInvariant() + "_" + r.ReceiptId, r, now);
        entity["Status"] = recorded.ToString();
        entity.Remove("SupporterNumber");
        return entity;
    }

    private static Receipt FromEntity(string receiptId, TableEntity e) => new(
        receiptId,
        e.GetString("PetitionId") ?? "",
        Enum.Parse<ReceiptStatus>(e.GetString("Status") ?? nameof(ReceiptStatus.Pending)),
        e.GetString("Reason"),
        e.GetString("Field"),
        e.GetString("Message"),
        e.GetInt64("SupporterNumber"),
        e.GetString("State"));
}
