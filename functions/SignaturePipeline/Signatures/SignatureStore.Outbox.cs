using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;

namespace SignaturePipeline.Signatures;

/// <summary>
/// One email to a signer not sent yet, as the outbox row holds it. <see cref="Key"/> is the row's key without its prefix:
/// the receipt (<c>{receiptId}</c>), or <c>{receiptId}_r{n}</c> for a re-sent confirmation link.
/// </summary>
public sealed record OutboxRow(string Key, string Kind, string ReceiptId, string SignatureRowKey, string To, string? Lang, DateTimeOffset CreatedAt)
{
    private const string KindColumn = "Kind";
    private const string ReceiptIdColumn = "ReceiptId";
    private const string SignatureRowKeyColumn = "SignatureRowKey";
    private const string ToColumn = "To";
    private const string CreatedAtColumn = "CreatedAt";
    private const string LangColumn = "Lang";
    private const string IpHashColumn = "IpHash";
    private const string PrivateColumn = "Private";

    /// <summary>The IP hash of the submission that caused the email, for the per-network cap; null for a re-sent link.</summary>
    public string? IpHash { get; init; }

    /// <summary>The signer asked not to be named to the target: the confirmation email says so, so they can check.</summary>
    public bool Private { get; init; }

    /// <summary>The ETag it was read with; a sender deletes it under this once sent.</summary>
    internal ETag ETag { get; init; }

    /// <summary>The outbox row of a signature committed in the same transaction.</summary>
    internal static OutboxRow Of(SignatureStore.Pending p, string kind) =>
        new(p.ReceiptId, kind, p.ReceiptId, p.RowKey, p.Signature.Email, p.Lang, p.SignedAt) { IpHash = p.IpHash, Private = p.Signature.Private };

    /// <summary>The one spelling of an outbox row.</summary>
    internal TableEntity ToEntity(string partitionKey) => SignatureStore.WithoutNulls(new(partitionKey, SignatureStore.OutboxRowPrefix + Key)
    {
        [KindColumn] = Kind,
        [ReceiptIdColumn] = ReceiptId,
        [SignatureRowKeyColumn] = SignatureRowKey,
        [ToColumn] = To,
        [CreatedAtColumn] = CreatedAt,
        [LangColumn] = SignerLanguage.Normalize(Lang),
        [IpHashColumn] = IpHash,
        [PrivateColumn] = Private ? true : null,
    });

    internal static OutboxRow From(TableEntity e) =>
        new(e.RowKey[SignatureStore.OutboxRowPrefix.Length..], e.GetString(KindColumn) ?? "", e.GetString(ReceiptIdColumn) ?? "",
            e.GetString(SignatureRowKeyColumn) ?? "", e.GetString(ToColumn) ?? "", e.GetString(LangColumn), e.GetDateTimeOffset(CreatedAtColumn) ?? default)
        {
            ETag = e.ETag,
            IpHash = e.GetString(IpHashColumn),
            Private = e.GetBoolean(PrivateColumn) ?? false,
        };
}

/// <summary>
/// RowKey <c>m_{receiptId}</c> (or <c>m_{receiptId}_r{n}</c> for a re-sent link): an email to a signer that has not been
/// sent yet. Inserted in the same transaction as the signature row it belongs to (see <c>SignatureStore.Commit.cs</c>), so a
/// stored signature always has its email recorded; deleted once sent.
/// </summary>
public sealed partial class SignatureStore
{
    public const string OutboxRowPrefix = "m_";
    /// <summary>The first key after every <c>m_</c> key ('`' follows '_').</summary>
    private const string OutboxRowEnd = "m`";

    /// <summary>
    /// Records an email to a signer outside a commit (an "already signed" note, a re-sent link). False when it was already
    /// recorded: the key holds the receipt, so a retry adds nothing.
    /// </summary>
    public async Task<bool> AddOutboxAsync(string petitionId, int shard, OutboxRow outbox, CancellationToken ct)
    {
        try
        {
            await _table.AddEntityAsync(outbox.ToEntity(PartitionKeyOf(petitionId, shard)), ct).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    public async Task<OutboxRow?> GetOutboxAsync(string petitionId, int shard, string outboxKey, CancellationToken ct)
    {
        var read = await _table.GetEntityIfExistsAsync<TableEntity>(PartitionKeyOf(petitionId, shard), OutboxRowPrefix + outboxKey, cancellationToken: ct).ConfigureAwait(false);
        return read.HasValue ? OutboxRow.From(read.Value!) : null;
    }

    /// <summary>Unsent signer emails of one shard: a partition range query, for the sweep that retries failed sends.</summary>
    public async IAsyncEnumerable<OutboxRow> ListOutboxAsync(string petitionId, int shard, [EnumeratorCancellation] CancellationToken ct)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {PartitionKeyOf(petitionId, shard)} and RowKey ge {OutboxRowPrefix} and RowKey lt {OutboxRowEnd}");
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, cancellationToken: ct).ConfigureAwait(false))
            yield return OutboxRow.From(row);
    }

    /// <summary>Deletes a sent email's outbox row under its ETag; a concurrent sender that deleted it first is fine.</summary>
    public async Task DeleteOutboxAsync(string petitionId, int shard, OutboxRow outbox, CancellationToken ct)
    {
        try { await _table.DeleteEntityAsync(PartitionKeyOf(petitionId, shard), OutboxRowPrefix + outbox.Key, outbox.ETag, ct).ConfigureAwait(false); }
        catch (RequestFailedException e) when (e.Status is 404 or 412) { }
    }
}
