using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using SignaturePipeline.Storage;

namespace SignaturePipeline.Abuse;

/// <summary>One invalidation by rule as it was recorded: the rule, what it changed, and whether it was reverted.</summary>
public sealed record InvalidationRecord(string Id, string Reason, string? IpHash, string? Domain, DateTimeOffset? From, DateTimeOffset? To,
    DateTimeOffset At, int Targets, DateTimeOffset? RevertedAt);

/// <summary>
/// Invalidations by rule, recorded so each can be reverted exactly. Table <c>invalidations</c>, one partition per
/// petition (PartitionKey = petition id):
/// <list type="bullet">
/// <item>RowKey <c>{invalidationId}</c>: the rule, its reason, when, how many rows it targeted, and when it was reverted.</item>
/// <item>RowKey <c>{invalidationId}|{shard:00}.{signature row key}</c>: one row the rule targeted, written before the rule
/// changes it. Whether the rule did change it is on the signature row itself (its <c>InvalidationId</c>, written in the
/// same transaction as its status), so a crash between the two writes leaves nothing to undo wrongly.</item>
/// </list>
/// Invalidation ids are <c>inv-{yyyyMMddHHmmss}-{8 hex}</c>: sortable by time, unguessable enough to never collide.
/// </summary>
public sealed class InvalidationLog(TableServiceClient tables)
{
    private const int BatchSize = 100;
    private readonly TableClient _table = tables.GetTableClient(TableNames.Invalidations);

    public static string NewId(DateTimeOffset at) => $"inv-{at.UtcDateTime:yyyyMMddHHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";

    public static bool IsId(string? id) =>
        id is { Length: 27 } && id.StartsWith("inv-", StringComparison.Ordinal) && id[18] == '-'
        && !id.AsSpan(4, 14).ContainsAnyExceptInRange('0', '9') && id[19..].All(char.IsAsciiHexDigitLower);

    /// <summary>Records the rule and every row it is about to change, before any is changed.</summary>
    public async Task RecordAsync(string petitionId, InvalidationRecord record, IReadOnlyList<string> handles, CancellationToken ct)
    {
        await _table.AddEntityAsync(new TableEntity(petitionId, record.Id)
        {
            ["Reason"] = record.Reason, ["IpHash"] = record.IpHash, ["Domain"] = record.Domain, ["From"] = record.From, ["To"] = record.To,
            ["At"] = record.At, ["Targets"] = handles.Count,
        }, ct).ConfigureAwait(false);
        foreach (var chunk in handles.Chunk(BatchSize))
            await _table.SubmitTransactionAsync(chunk.Select(h => new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                new TableEntity(petitionId, $"{record.Id}|{h}"))), ct).ConfigureAwait(false);
    }

    public async Task<InvalidationRecord?> ReadAsync(string petitionId, string id, CancellationToken ct)
    {
        var read = await _table.GetEntityIfExistsAsync<TableEntity>(petitionId, id, cancellationToken: ct).ConfigureAwait(false);
        if (!read.HasValue) return null;
        var e = read.Value!;
        return new InvalidationRecord(id, e.GetString("Reason") ?? "", e.GetString("IpHash"), e.GetString("Domain"), e.GetDateTimeOffset("From"),
            e.GetDateTimeOffset("To"), e.GetDateTimeOffset("At") ?? default, e.GetInt32("Targets") ?? 0, e.GetDateTimeOffset("RevertedAt"));
    }

    /// <summary>The handles (<c>{shard:00}.{row key}</c>) of the rows the invalidation targeted, page by page.</summary>
    public async IAsyncEnumerable<string> TargetsAsync(string petitionId, string id, [EnumeratorCancellation] CancellationToken ct)
    {
        // '}' sorts right after '|': the range holds exactly this invalidation's target rows.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {petitionId} and RowKey gt {id + "|"} and RowKey lt {id + "}"}");
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["RowKey"], cancellationToken: ct).ConfigureAwait(false))
            yield return row.RowKey[(id.Length + 1)..];
    }

    public Task MarkRevertedAsync(string petitionId, string id, DateTimeOffset at, CancellationToken ct) =>
        _table.UpdateEntityAsync(new TableEntity(petitionId, id) { ["RevertedAt"] = at }, ETag.All, TableUpdateMode.Merge, ct);
}
