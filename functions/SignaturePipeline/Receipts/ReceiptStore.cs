using Azure.Data.Tables;
using SignaturePipeline.Security;
using SignaturePipeline.Storage;

namespace SignaturePipeline.Receipts;

/// <summary>
/// Final states of receipts, in two tables.
/// <para>Table <c>receipts</c>: PartitionKey = the receipt's batch (its queue message, see <see cref="ReceiptId"/>),
/// RowKey = its index there. A message's receipts go in one transaction; a lookup is a point read.</para>
/// <para>Table <c>outcomes</c>: PartitionKey = petition id, RowKey = <c>{status}_{receiptId}</c>, for every duplicate and
/// rejection, so organizers can list them per petition. No names or emails: a reason, a state and a time.</para>
/// Both are written with upserts keyed by the receipt, so processing a message again rewrites the same rows.
/// </summary>
public sealed class ReceiptStore(TableServiceClient tables, Hmac hmac, TimeProvider clock)
{
    private readonly TableClient _receipts = tables.GetTableClient(TableNames.Receipts);
    private readonly TableClient _outcomes = tables.GetTableClient(TableNames.Outcomes);

    public async Task<Receipt?> GetAsync(string receiptId, CancellationToken ct)
    {
        if (!ReceiptId.TryParse(hmac, receiptId, out var id)) return null;
        var row = await _receipts.GetEntityIfExistsAsync<TableEntity>(id.Value.Batch, RowKeyOf(id.Value.Index), cancellationToken: ct).ConfigureAwait(false);
        if (!row.HasValue) return new Receipt(receiptId, "", ReceiptStatus.Pending);
        return FromEntity(receiptId, row.Value!);
    }

    /// <summary>True when the id was issued by this deployment (its HMAC tag checks), whether or not it is final yet.</summary>
    public bool IsIssued(string receiptId) => ReceiptId.TryParse(hmac, receiptId, out _);

    public async Task WriteAsync(IReadOnlyCollection<Receipt> receipts, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var byBatch = new List<(string Partition, TableEntity Entity)>();
        foreach (var receipt in receipts)
        {
            if (!ReceiptId.TryParse(hmac, receipt.ReceiptId, out var id)) continue;
            byBatch.Add((id.Value.Batch, ToEntity(id.Value.Batch, RowKeyOf(id.Value.Index), receipt, now)));
        }
        var outcomes = receipts
            .Where(r => (r.Recorded ?? r.Status) is ReceiptStatus.Duplicate or ReceiptStatus.Rejected && r.PetitionId.Length > 0)
            .Select(r => (Partition: r.PetitionId, Entity: ToOutcome(r, now)))
            .ToList();
        await Task.WhenAll(UpsertAllAsync(_receipts, byBatch, ct), UpsertAllAsync(_outcomes, outcomes, ct)).ConfigureAwait(false);
    }

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

    private static string RowKeyOf(int index) => index.ToString("x3", System.Globalization.CultureInfo.InvariantCulture);

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
