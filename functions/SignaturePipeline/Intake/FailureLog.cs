using Azure.Data.Tables;
using SignaturePipeline.Storage;

namespace SignaturePipeline.Intake;

/// <summary>
/// Why a <c>signatures</c> message failed, for operators. Table <c>failures</c>: PartitionKey = queue message id, RowKey
/// <c>failure</c>; the last error of each try, and whether it was the last (the message then went to poison).
/// </summary>
public sealed class FailureLog(TableServiceClient tables, TimeProvider clock)
{
    private const string RowKey = "failure";
    private readonly TableClient _table = tables.GetTableClient(TableNames.Failures);

    /// <param name="receiptIds">The message's receipts (the first 100), or null when the message could not be read.</param>
    public Task RecordAsync(string messageId, long dequeueCount, string reason, string detail, Exception error, IEnumerable<string>? receiptIds, bool poisoned, CancellationToken ct) =>
        _table.UpsertEntityAsync(new TableEntity(messageId, RowKey)
        {
            ["DequeueCount"] = dequeueCount,
            ["Reason"] = reason,
            ["Detail"] = detail,
            ["ErrorType"] = error.GetType().FullName,
            ["Receipts"] = receiptIds is null ? null : string.Join(',', receiptIds.Take(100)),
            ["Poisoned"] = poisoned,
            ["At"] = clock.GetUtcNow(),
        }, TableUpdateMode.Replace, ct);
}
