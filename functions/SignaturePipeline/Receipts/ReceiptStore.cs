using Azure.Data.Tables;
using SignaturePipeline.Security;
using SignaturePipeline.Storage;

namespace SignaturePipeline.Receipts;

/// <summary>
/// Final states of receipts, in two tables.
/// <para>Table <c>receipts</c>: one row per batch (the queue message a receipt travelled in, see <see cref="ReceiptId"/>):
/// PartitionKey = the batch's first 8 hex digits (its version-7 GUID's clock, so a window of about 65 s), RowKey = the
/// batch; the row holds every receipt of the batch (a compact JSON list in a binary property). A message of 200
/// signatures costs one row here instead of 200, and the rows of messages processed at the same time share a partition,
/// so concurrent messages write their receipts in one entity-group transaction (group commit): under load, a fraction
/// of a request per message instead of one. A lookup is still one point read. Later changes merge by index under the
/// row's ETag, so a change to one receipt never erases its neighbours.</para>
/// <para>Table <c>outcomes</c>: PartitionKey = petition id, RowKey = <c>{status}_{receiptId}</c>, for every duplicate and
/// rejection, so organizers can list them per petition. No names or emails: a reason, a state and a time. Beside them,
/// RowKey <c>counts</c> (outside both ranges): how many of each status and reason (<c>rejected_{reason}</c>, …), moved
/// in the same transaction as the rows it counts and guarded by its ETag. An outcome row is inserted, never replaced: a
/// message processed again meets 409 on its rows and counts nothing twice.</para>
/// The receipts are written keyed by the receipt, so processing a message again rewrites the same rows.
/// </summary>
public sealed class ReceiptStore(TableServiceClient tables, Hmac hmac, TimeProvider clock)
{
    private readonly TableClient _receipts = tables.GetTableClient(TableNames.Receipts);
    private readonly TableClient _outcomes = tables.GetTableClient(TableNames.Outcomes);

    private const int MaxRowsPerTransaction = 100;
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
        var batch = id.Value.Batch;
        var row = await _receipts.GetEntityIfExistsAsync<TableEntity>(PartitionOf(batch), batch, cancellationToken: ct).ConfigureAwait(false);
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
        var rows = byBatch.GroupBy(b => PartitionOf(b.Key)).Select(g => (Task)RowCommits.SubmitAsync(g.Key, g.Select(b => new BatchRow(b.Key, b.Value, now)).ToList(), ct));
        await Task.WhenAll(rows.Append(RecordOutcomesAsync(outcomes, ct))).ConfigureAwait(false);
    }

    public const string OutcomeCountsRowKey = "counts";

    /// <summary>
    /// Inserts the outcome rows with the petition's counts by status and reason, one transaction per petition and 99 rows.
    /// A row that exists (409: a retry) is dropped and counted no more; a counter that moved (412) is read again.
    /// </summary>
    private Task RecordOutcomesAsync(List<(string Partition, TableEntity Entity)> rows, CancellationToken ct) =>
        Task.WhenAll(rows.GroupBy(r => r.Partition).SelectMany(g => g.Select(r => r.Entity).Chunk(MaxRowsPerTransaction - 1))
            .Select(chunk => InsertCountedAsync(chunk.ToList(), ct)));

    private async Task InsertCountedAsync(List<TableEntity> rows, CancellationToken ct)
    {
        for (var attempt = 0; rows.Count > 0; attempt++)
        {
            var pk = rows[0].PartitionKey;
            var read = await _outcomes.GetEntityIfExistsAsync<TableEntity>(pk, OutcomeCountsRowKey, cancellationToken: ct).ConfigureAwait(false);
            var counts = new TableEntity(pk, OutcomeCountsRowKey);
            foreach (var group in rows.GroupBy(CountPropertyOf))
                counts[group.Key] = (read.HasValue ? read.Value!.GetInt64(group.Key) ?? 0 : 0) + group.Count();
            var actions = rows.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)).ToList();
            actions.Add(read.HasValue
                ? new TableTransactionAction(TableTransactionActionType.UpdateMerge, counts, read.Value!.ETag)
                : new TableTransactionAction(TableTransactionActionType.Add, counts));
            try
            {
                await _outcomes.SubmitTransactionAsync(actions, ct).ConfigureAwait(false);
                return;
            }
            catch (TableTransactionFailedException e) when (e.Status == 409 && e.FailedTransactionActionIndex is int index && index < rows.Count)
            {
                rows.RemoveAt(index);
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412 && attempt < 20)
            {
                await Task.Delay(Random.Shared.Next(5, 20 * (attempt + 1)), ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary><c>{status}_{reason}</c>, the property an outcome row counts under (a duplicate has no reason: <c>duplicate_duplicate</c>).</summary>
    private static string CountPropertyOf(TableEntity row) =>
        row.RowKey[..row.RowKey.IndexOf('_', StringComparison.Ordinal)] + "_" + (row.GetString("Reason") is { Length: > 0 } reason ? reason : "duplicate");

    /// <summary>A petition's duplicates and rejections by reason: one point read, whatever their number.</summary>
    public async Task<IReadOnlyList<(string Status, string Reason, long Count)>> CountOutcomesAsync(string petitionId, CancellationToken ct)
    {
        var read = await _outcomes.GetEntityIfExistsAsync<TableEntity>(petitionId, OutcomeCountsRowKey, cancellationToken: ct).ConfigureAwait(false);
        if (!read.HasValue) return [];
        return read.Value!.Where(kv => kv.Value is long && kv.Key.Contains('_', StringComparison.Ordinal))
            .Select(kv => (kv.Key[..kv.Key.IndexOf('_', StringComparison.Ordinal)], kv.Key[(kv.Key.IndexOf('_', StringComparison.Ordinal) + 1)..], (long)kv.Value))
            .Where(x => x.Item3 > 0).OrderByDescending(x => x.Item3).ToList();
    }

    /// <summary>A 65-second window of batches: rows written at the same time share it, and no partition stays hot for long.</summary>
    private static string PartitionOf(string batch) => batch[..8];

    private sealed record BatchRow(string Batch, List<Item> Items, DateTimeOffset Now);

    private GroupCommit<BatchRow, bool>? _rowCommits;

    /// <summary>Concurrent messages' rows of one partition go in one transaction of blind inserts, the common case (a batch's first write).</summary>
    private GroupCommit<BatchRow, bool> RowCommits => LazyInitializer.EnsureInitialized(ref _rowCommits,
        () => new(MaxRowsPerTransaction, _ => 1, r => r.Batch, CommitRowsAsync));

    private async Task<IReadOnlyList<bool>> CommitRowsAsync(string partition, IReadOnlyList<BatchRow> rows)
    {
        try
        {
            await _receipts.SubmitTransactionAsync(rows.Select(r => new TableTransactionAction(TableTransactionActionType.Add,
                RowEntity(partition, r.Batch, r.Items, r.Now))), CancellationToken.None).ConfigureAwait(false);
            PipelineMetrics.Transaction(TableNames.Receipts, rows.Count);
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            // A row exists (a retry of the message, a later change): nothing of the transaction was written, so each
            // row merges on its own.
            await Task.WhenAll(rows.Select(r => MergeRowAsync(partition, r, CancellationToken.None))).ConfigureAwait(false);
        }
        return rows.Select(_ => true).ToList();
    }

    private static TableEntity RowEntity(string partition, string batch, IEnumerable<Item> items, DateTimeOffset now) => new(partition, batch)
    {
        ["Items"] = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(items.OrderBy(i => i.I).ToList(), ItemJson),
        ["UpdatedAt"] = now,
    };

    private async Task MergeRowAsync(string partition, BatchRow row, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var existing = await _receipts.GetEntityIfExistsAsync<TableEntity>(partition, row.Batch, cancellationToken: ct).ConfigureAwait(false);
            var merged = (existing.HasValue ? ItemsOf(existing.Value!) : []).ToDictionary(i => i.I);
            foreach (var item in row.Items) merged[item.I] = item;
            var entity = RowEntity(partition, row.Batch, merged.Values, row.Now);
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
