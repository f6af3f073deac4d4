using Azure.Data.Tables;
using SignaturePipeline.Storage;

namespace SignaturePipeline.Timers;

/// <summary>
/// The last successful run of each timer function, for the health report; the Functions host keeps its own
/// schedule state in blob leases, which no route can read.
/// Table <c>timerruns</c>, PartitionKey <c>timer</c>, RowKey = function name.
/// </summary>
public sealed class TimerRunLog(TableServiceClient tables, TimeProvider clock)
{
    private const string Partition = "timer";
    private readonly TableClient _table = tables.GetTableClient(TableNames.TimerRuns);

    public Task RecordAsync(string functionName, CancellationToken ct) =>
        _table.UpsertEntityAsync(new TableEntity(Partition, functionName) { ["At"] = clock.GetUtcNow() }, TableUpdateMode.Replace, ct);

    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> ListAsync(CancellationToken ct)
    {
        var runs = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition}");
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, cancellationToken: ct).ConfigureAwait(false))
            if (row.GetDateTimeOffset("At") is { } at) runs[row.RowKey] = at;
        return runs;
    }
}
