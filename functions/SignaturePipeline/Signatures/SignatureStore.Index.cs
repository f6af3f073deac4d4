using System.Globalization;
using System.Runtime.CompilerServices;
using Azure.Data.Tables;

namespace SignaturePipeline.Signatures;

/// <summary>One delivery index row, as a delivery reads it: its tally, and on demand its signers.</summary>
public sealed class DeliveryIndexRow(TableEntity entity)
{
    /// <summary>(state, ZIP3, count, of whom private) per group: counts the row's signers without parsing a single name.</summary>
    public IEnumerable<(string State, string Zip3, int Count, int Unnamed)> Tally => IndexedSigner.ReadTally(entity);

    /// <summary>The row's signers, in the order they were committed.</summary>
    public IReadOnlyList<IndexedSigner> ReadSigners() => IndexedSigner.ReadSigners(entity);
}

/// <summary>
/// RowKey <c>t_{countedAtTicks:D19}_{hash}</c>: the delivery index, one row per committed transaction, written in that
/// same transaction. It lists the transaction's signers in commit order (<see cref="IndexedSigner"/>: name, city, state, ZIP,
/// comment, signing time; never the email; a private signer with state, ZIP and time only), with <c>CountedAt</c>,
/// <c>Count</c> and a <c>Tally</c> of signers (and of private signers) per state and ZIP3. The ticks are the commit time, so a RowKey range is a time window read in order; the hash is the first signer's
/// <c>s_</c> key, which can be committed only once, so two index rows never share a key.
/// <para>Why one index row per transaction and not one per signature: the signature rows are keyed by HMAC, so "signed since
/// last week" needs a time-ordered key; a row per signature would take half of every transaction (49 signatures instead of 98)
/// and of a partition's ~2,000 entities/s, and a weekly delivery would read one entity per signer. One row per transaction
/// costs one operation in a hundred, is atomic with the rows it lists (a duplicate's 409 aborts the transaction, and the retry
/// rebuilds the index row without it), and a delivery of a million signatures under load reads about ten thousand rows.
/// A trickle of single-signature transactions degrades to one index row per signature, which is still a range read.</para>
/// </summary>
public sealed partial class SignatureStore
{
    public const string IndexRowPrefix = "t_";
    /// <summary>The first key after every <c>t_</c> key ('`' follows '_').</summary>
    public const string IndexRowEnd = "t`";

    /// <summary><c>t_{ticks:D19}_{hash}</c>: sorts by commit time; the first signer's hash makes it unique.</summary>
    public static string IndexRowKeyOf(DateTimeOffset countedAt, string firstSignatureRowKey) =>
        IndexRowPrefix + IndexBoundOf(countedAt)[IndexRowPrefix.Length..] + "_" + firstSignatureRowKey[SignatureRowPrefix.Length..];

    /// <summary>The first index key at or after <paramref name="at"/>: a delivery window is [IndexBoundOf(from), IndexBoundOf(to)).</summary>
    public static string IndexBoundOf(DateTimeOffset at) =>
        IndexRowPrefix + at.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>The delivery index row of the counted signatures of one transaction.</summary>
    private static TableEntity IndexRowOf(string partitionKey, IReadOnlyList<Pending> counted, DateTimeOffset countedAt) =>
        IndexedSigner.ToIndexEntity(partitionKey, IndexRowKeyOf(countedAt, counted[0].RowKey), countedAt,
            counted.Select(p => IndexedSigner.From(p.Signature, p.SignedAt)),
            counted.Select(p => SignerRef.Of(p.RowKey, p.Signature)).ToList());

    /// <summary>
    /// The index row's signers (and their refs) without the one <paramref name="row"/> describes; null when it is not listed
    /// there. Found by its row key when the index row keeps refs. Otherwise a private signer, listed without a name, is found
    /// by its state, ZIP and signing time, or, should the time read back otherwise, by its state and ZIP: any private entry
    /// that matches is indistinguishable from theirs.
    /// </summary>
    private static (List<IndexedSigner> Signers, List<SignerRef> Refs)? WithoutSigner(TableEntity indexRow, SignatureRow row)
    {
        var signers = IndexedSigner.ReadSigners(indexRow).ToList();
        var refs = IndexedSigner.ReadRefs(indexRow).ToList();
        var at = refs.Count == signers.Count ? refs.FindIndex(r => r.RowKey == row.RowKey) : -1;
        if (at < 0)
        {
            var listed = row.ToIndexedSigner(indexRow.GetDateTimeOffset(IndexedSigner.CountedAtProperty) ?? default);
            at = row.Private
                ? signers.FindIndex(s => s == listed)
                : signers.FindIndex(s => !s.Private && s.FirstName == listed.FirstName && s.LastName == listed.LastName
                    && s.PostalCode == listed.PostalCode && s.State == listed.State && s.Comment == listed.Comment);
            if (at < 0 && row.Private) at = signers.FindIndex(s => s.Private && s.PostalCode == listed.PostalCode && s.State == listed.State);
        }
        if (at < 0) return null;
        signers.RemoveAt(at);
        if (refs.Count > at) refs.RemoveAt(at);
        return (signers, refs);
    }

    /// <summary>
    /// The index rows of one shard committed in [<paramref name="fromTicks"/>, <paramref name="toTicks"/>), page by page in
    /// commit order: one RowKey range, so the cost follows the window's signers, never the petition's size. With
    /// <paramref name="tallyOnly"/>, only each row's tally is read (a few hundred bytes a row).
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyList<DeliveryIndexRow>> ReadIndexAsync(string petitionId, int shard, long fromTicks, long toTicks,
        int pageSize, bool tallyOnly, [EnumeratorCancellation] CancellationToken ct)
    {
        var pk = PartitionKeyOf(petitionId, shard);
        var from = IndexBoundOf(new DateTimeOffset(fromTicks, TimeSpan.Zero));
        var to = IndexBoundOf(new DateTimeOffset(toTicks, TimeSpan.Zero));
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey ge {from} and RowKey lt {to}");
        var query = _table.QueryAsync<TableEntity>(filter, maxPerPage: pageSize, select: tallyOnly ? [IndexedSigner.TallyProperty] : null, cancellationToken: ct);
        await foreach (var page in query.AsPages().ConfigureAwait(false))
            yield return page.Values.Select(e => new DeliveryIndexRow(e)).ToList();
    }
}
