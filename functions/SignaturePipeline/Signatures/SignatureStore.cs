using System.Buffers.Binary;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SignaturePipeline.Security;
using SignaturePipeline.Storage;

namespace SignaturePipeline.Signatures;

/// <summary>
/// Table <c>signatures</c>: the signature rows, their shard counters, the delivery index and the signer outbox. The one
/// class that reads or writes that table, split by row family into one file each:
/// <list type="bullet">
/// <item>this file: the keys. PartitionKey <c>{petitionId}_{shard:00}</c>: each petition is spread over
/// <see cref="PipelineOptions.ShardCount"/> partitions, so one viral petition is not held to one partition's ~2,000 entities/s.</item>
/// <item><see cref="SignatureRow"/> (<c>SignatureRow.cs</c>): RowKey <c>s_{hmac}</c>, the HMAC of the petition and the canonical
/// email, and every column of the row. The shard comes from the same hash, so a person always lands on the same row, and a
/// second insert fails with 409: the store, not a lookup, decides duplicates. The email is never in a key in clear.</item>
/// <item><c>SignatureStore.Commit.cs</c>: the commit path, rows, counter and index row in one entity-group transaction.</item>
/// <item><c>SignatureStore.Counters.cs</c>: RowKey <c>counter</c>, the shard's total and per-state counts, and the petition's counts.</item>
/// <item><c>SignatureStore.Index.cs</c>: RowKey <c>t_{countedAtTicks:D19}_{hash}</c>, the delivery index.</item>
/// <item><c>SignatureStore.Transitions.cs</c>: every change of a stored row's status, with the counter and the index.</item>
/// <item><c>SignatureStore.Outbox.cs</c>: RowKey <c>m_{receiptId}</c>, emails to signers not sent yet.</item>
/// <item><c>SignatureStore.Queries.cs</c>: the bounded reads admin work, exports and milestone emails need.</item>
/// <item><c>SignatureStore.Sources.cs</c>: RowKey <c>sources</c> (counts by source and utm value) and <c>ref_{code}</c> (counts by referrer).</item>
/// </list>
/// Rows <c>s_</c>, <c>m_</c>, <c>t_</c> and <c>counter</c> never share a prefix.
/// </summary>
public sealed partial class SignatureStore(TableServiceClient tables, Hmac hmac, IOptions<PipelineOptions> options, TimeProvider clock, ILogger<SignatureStore> logger)
{
    public const string SignatureRowPrefix = "s_";
    /// <summary>The first key after every <c>s_</c> key ('`' follows '_').</summary>
    private const string SignatureRowEnd = "s`";

    private const int MaxConflictRetries = 20;

    private readonly TableClient _table = tables.GetTableClient(TableNames.Signatures);
    private readonly int _shards = options.Value.ShardCount;

    public int ShardCount => _shards;

    public (int Shard, string RowKey) KeyOf(string petitionId, string canonicalEmail)
    {
        var hash = hmac.SignatureKey(petitionId, canonicalEmail);
        var shard = (int)(BinaryPrimitives.ReadUInt32BigEndian(hash) % (uint)_shards);
        return (shard, SignatureRowPrefix + Convert.ToHexStringLower(hash));
    }

    public static string PartitionKeyOf(string petitionId, int shard) => $"{petitionId}_{shard:D2}";

    /// <summary>The signature rows of one shard: a partition range query, never a table scan.</summary>
    private static string SignatureRowsOf(string partitionKey) =>
        TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey ge {SignatureRowPrefix} and RowKey lt {SignatureRowEnd}");
}
