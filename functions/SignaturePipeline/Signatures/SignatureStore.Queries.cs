using System.Runtime.CompilerServices;
using Azure.Data.Tables;

namespace SignaturePipeline.Signatures;

/// <summary>A supporter's comment as an organizer may see it: the words, the state and the time, never who wrote them.</summary>
public sealed record SupporterComment(string Text, string? State, DateTimeOffset SignedAt);

/// <summary>
/// The reads of signature rows that admin work, exports and milestone emails need. Each is a partition range query per
/// shard, page by page: never a table scan, and memory stays constant whatever the count. None is on a request path.
/// Each reads only the columns its caller uses (a projection returns only what it names, so the keys and the status
/// are always asked for too: without them a row cannot be acted on).
/// </summary>
public sealed partial class SignatureStore
{
    private static readonly string[] HeldColumns =
        [SignatureColumns.Flag, SignatureColumns.State, SignatureColumns.Email, SignatureColumns.IpHash, SignatureColumns.SignedAt, SignatureColumns.Confirmed];
    private static readonly string[] RuleColumns = [SignatureColumns.Email, SignatureColumns.IpHash, SignatureColumns.SignedAt];
    private static readonly string[] ExportColumns =
    [
        SignatureColumns.FirstName, SignatureColumns.LastName, SignatureColumns.Email, SignatureColumns.OptIn, SignatureColumns.City,
        SignatureColumns.State, SignatureColumns.PostalCode, SignatureColumns.SignedAt, SignatureColumns.ConfirmedAt, SignatureColumns.Comment,
        SignatureColumns.Private,
    ];
    private static readonly string[] AnonymisedColumns = [SignatureColumns.AnonymisedAt];

    /// <summary>Every signature row of a petition, whole, shard after shard.</summary>
    public IAsyncEnumerable<SignatureRow> QueryRowsAsync(string petitionId, CancellationToken ct) => QueryAsync(petitionId, null, null, ct);

    /// <summary>The held (suspicious) rows, with what an organizer reviews them by.</summary>
    public IAsyncEnumerable<SignatureRow> QueryHeldAsync(string petitionId, CancellationToken ct) =>
        QueryAsync(petitionId, HeldColumns, TableClient.CreateQueryFilter($"Status eq {StatusName(SignatureRowStatus.Suspicious)}"), ct);

    /// <summary>Rows signed in [<paramref name="from"/>, <paramref name="to"/>) from <paramref name="ipHash"/>; each bound is optional.</summary>
    public IAsyncEnumerable<SignatureRow> QuerySignedAsync(string petitionId, string? ipHash, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        string? filter = null;
        if (from is { } f) filter = TableClient.CreateQueryFilter($"SignedAt ge {f}");
        if (to is { } t) filter = (filter is null ? "" : filter + " and ") + TableClient.CreateQueryFilter($"SignedAt lt {t}");
        if (ipHash is { } hash) filter = (filter is null ? "" : filter + " and ") + TableClient.CreateQueryFilter($"IpHash eq {hash}");
        return QueryAsync(petitionId, RuleColumns, filter, ct);
    }

    /// <summary>Every row with the columns an export writes.</summary>
    public IAsyncEnumerable<SignatureRow> QueryForExportAsync(string petitionId, CancellationToken ct) => QueryAsync(petitionId, ExportColumns, null, ct);

    /// <summary>Every row with whether it is anonymised already.</summary>
    public IAsyncEnumerable<SignatureRow> QueryForAnonymisationAsync(string petitionId, CancellationToken ct) => QueryAsync(petitionId, AnonymisedColumns, null, ct);

    private async IAsyncEnumerable<SignatureRow> QueryAsync(string petitionId, IReadOnlyList<string>? select, string? extraFilter, [EnumeratorCancellation] CancellationToken ct)
    {
        // A projection returns only what it names: the keys must be asked for, or the rows cannot be acted on.
        var columns = select?.Concat(["PartitionKey", "RowKey", SignatureColumns.Status]).Distinct().ToList();
        for (var shard = 0; shard < _shards; shard++)
        {
            var filter = SignatureRowsOf(PartitionKeyOf(petitionId, shard));
            if (extraFilter is not null) filter = $"({filter}) and ({extraFilter})";
            await foreach (var row in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: columns, cancellationToken: ct).ConfigureAwait(false))
                yield return new SignatureRow(petitionId, shard, row);
        }
    }

    /// <summary>
    /// A bounded look at recent comments: one page of up to <paramref name="perShard"/> per shard, filtered by the store,
    /// never a scan of the petition. Only the comment, its state and its time are read; the signer's name and address never
    /// leave the table. Counted rows only: a pending, held or invalidated signature is not a supporter yet (or any more),
    /// and quoting it would put an unconfirmed stranger's words in the organizers' mail. Never a private signer's: their
    /// words, with a state and a time, could point at them, and organizers forward these emails. They are set aside here,
    /// not by the store's filter: a filter on a column most rows lack would drop those rows too.
    /// </summary>
    public async Task<IReadOnlyList<SupporterComment>> RecentCommentsAsync(string petitionId, DateTimeOffset since, int perShard, CancellationToken ct)
    {
        var pages = Enumerable.Range(0, _shards).Select(async shard =>
        {
            var filter = SignatureRowsOf(PartitionKeyOf(petitionId, shard)) + " and " + TableClient.CreateQueryFilter($"SignedAt ge {since} and Comment ne {""} and Status eq {StatusName(SignatureRowStatus.Counted)}");
            await foreach (var page in _table.QueryAsync<TableEntity>(filter, maxPerPage: perShard,
                               select: [SignatureColumns.Comment, SignatureColumns.State, SignatureColumns.SignedAt, SignatureColumns.Private], cancellationToken: ct).AsPages().ConfigureAwait(false))
                return page.Values;
            return (IReadOnlyList<TableEntity>)[];
        });
        var rows = (await Task.WhenAll(pages).ConfigureAwait(false)).SelectMany(r => r).Where(r => r.GetBoolean(SignatureColumns.Private) != true);
        return rows.Select(r => new SupporterComment(r.GetString(SignatureColumns.Comment) ?? "", r.GetString(SignatureColumns.State),
            r.GetDateTimeOffset(SignatureColumns.SignedAt) ?? default)).ToList();
    }
}
