using System.Globalization;
using System.Runtime.CompilerServices;
using Azure.Data.Tables;

namespace SignaturePipeline.Signatures;

/// <summary>A counted signer's removal, as a webhook reads it: which signature row, and when it was removed.</summary>
public sealed record RemovalRow(string RowKey, string SignatureRowKey, DateTimeOffset RemovedAt);

/// <summary>
/// RowKey <c>w_{removedAtTicks:D19}_{hash}</c>: a removal row, written in the transaction that removes a counted signer
/// (their link, an erasure), so that a webhook can tell the organizer's copy. It holds the signature's row key (an HMAC)
/// and the time, nothing personal. Like the delivery index, a RowKey range is a time window read in order.
/// </summary>
public sealed partial class SignatureStore
{
    public const string RemovalRowPrefix = "w_";
    private const string SignatureRowKeyProperty = "SignatureRowKey";

    public static string RemovalBoundOf(DateTimeOffset at) => RemovalRowPrefix + at.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);

    private static TableEntity RemovalRowOf(string partitionKey, string signatureRowKey, DateTimeOffset at) =>
        new(partitionKey, RemovalBoundOf(at) + "_" + signatureRowKey[SignatureRowPrefix.Length..])
        {
            [SignatureRowKeyProperty] = signatureRowKey,
            ["RemovedAt"] = at,
        };

    /// <summary>The removal rows of one shard in [<paramref name="fromTicks"/>, <paramref name="toTicks"/>), in time order.</summary>
    public async IAsyncEnumerable<RemovalRow> ReadRemovalsAsync(string petitionId, int shard, long fromTicks, long toTicks,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var pk = PartitionKeyOf(petitionId, shard);
        var from = RemovalBoundOf(new DateTimeOffset(fromTicks, TimeSpan.Zero));
        var to = RemovalBoundOf(new DateTimeOffset(toTicks, TimeSpan.Zero));
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey ge {from} and RowKey lt {to}");
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, cancellationToken: ct).ConfigureAwait(false))
            yield return new RemovalRow(e.RowKey, e.GetString(SignatureRowKeyProperty) ?? "", e.GetDateTimeOffset("RemovedAt") ?? default);
    }

    /// <summary>
    /// The index rows of one shard in [<paramref name="fromTicks"/>, <paramref name="toTicks"/>), with only their signers'
    /// refs and count read (no names): what a webhook needs to queue events by reference.
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyList<(string IndexRowKey, IReadOnlyList<SignerRef> Refs, int Count)>> ReadIndexRowsAsync(
        string petitionId, int shard, long fromTicks, long toTicks, int pageSize, [EnumeratorCancellation] CancellationToken ct)
    {
        var pk = PartitionKeyOf(petitionId, shard);
        var from = IndexBoundOf(new DateTimeOffset(fromTicks, TimeSpan.Zero));
        var to = IndexBoundOf(new DateTimeOffset(toTicks, TimeSpan.Zero));
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey ge {from} and RowKey lt {to}");
        var query = _table.QueryAsync<TableEntity>(filter, maxPerPage: pageSize, select: ["RowKey", IndexedSigner.CountProperty, .. IndexedSigner.RefsProperties], cancellationToken: ct);
        await foreach (var page in query.AsPages().ConfigureAwait(false))
            yield return page.Values.Select(e => (e.RowKey, IndexedSigner.ReadRefs(e), e.GetInt32(IndexedSigner.CountProperty) ?? 0)).ToList();
    }

    /// <summary>One index row by its key, for a webhook delivery that renders its signers at send time; null when it is gone.</summary>
    public async Task<TableEntity?> ReadIndexRowAsync(string petitionId, int shard, string indexRowKey, CancellationToken ct)
    {
        var read = await _table.GetEntityIfExistsAsync<TableEntity>(PartitionKeyOf(petitionId, shard), indexRowKey, cancellationToken: ct).ConfigureAwait(false);
        return read.HasValue ? read.Value : null;
    }
}
