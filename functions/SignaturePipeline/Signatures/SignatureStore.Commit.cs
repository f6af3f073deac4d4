using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using SignaturePipeline.Storage;

namespace SignaturePipeline.Signatures;

/// <summary>
/// The commit path: a shard's new signature rows, their outbox rows, their delivery index row and the shard's counter,
/// in one entity-group transaction guarded by the counter's ETag, so the count can never drift from the rows.
/// </summary>
public sealed partial class SignatureStore
{
    // Azure's limit is 100 operations per transaction: signature and outbox rows, their referrer rows, their index row,
    // the counter and the sources row.
    public const int MaxInsertsPerTransaction = 97;

    /// <summary>
    /// The longest a transaction may take from the moment its rows are stamped with their commit time to the moment it is
    /// abandoned. Deliveries compile only rows stamped before <c>now − SafetyMargin</c> (two minutes); a transaction that
    /// could still land later than that would be skipped by the delivery that had already read its window. Cancelling after
    /// a minute (Azure's own server timeout bounds a request it already received to 30 s) keeps every landing inside the
    /// margin; the message is then retried under a new stamp, and a cancelled attempt that landed anyway meets its 409.
    /// </summary>
    public static readonly TimeSpan CommitDeadline = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A signature to commit: its receipt, its fields, when it was signed, its key, the status it is stored with, and the
    /// kind of email its outbox row asks for (none when null). <see cref="Flag"/> (why it is held), <see cref="IpHash"/>
    /// and <see cref="Lang"/> are stored as given.
    /// </summary>
    public sealed record Pending(string ReceiptId, ValidSignature Signature, DateTimeOffset SignedAt, int Shard, string RowKey,
        SignatureRowStatus Status = SignatureRowStatus.Counted, string? MailKind = null)
    {
        public string? Flag { get; init; }
        public string? IpHash { get; init; }
        public string? Lang { get; init; }

        /// <summary>Rows this signature adds to its transaction: itself, its outbox row when it has an email to send, its referrer's row.</summary>
        internal int Operations => (MailKind is null ? 1 : 2) + (Signature.Sources?.Referrer is null ? 0 : 1);
    }

    public enum CommitOutcome { Counted, AlreadyCounted, Duplicate }

    /// <summary>
    /// Inserts the signatures of one shard and moves its counter. Concurrent callers for the same shard are
    /// coalesced (<see cref="GroupCommit{TItem, TOutcome}"/>): one writer per shard in this process takes everything
    /// waiting, up to 99 inserts plus the counter, into one entity-group transaction. Competing writers in this process
    /// would only fail each other's ETags; other instances still can, and are handled by re-reading the counter.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, CommitOutcome>> CommitShardAsync(string petitionId, int shard, IReadOnlyList<Pending> items, CancellationToken ct)
    {
        var outcomes = await ShardCommits.SubmitAsync(PartitionKeyOf(petitionId, shard), items, ct).ConfigureAwait(false);
        return items.Zip(outcomes).ToDictionary(x => x.First.ReceiptId, x => x.Second, StringComparer.Ordinal);
    }

    // A second signature of the same person waits for the next transaction, where it meets a 409.
    private GroupCommit<Pending, CommitOutcome>? _shardCommits;

    // One instance per store, published once, so every caller of a shard meets the same drain.
    private GroupCommit<Pending, CommitOutcome> ShardCommits => LazyInitializer.EnsureInitialized(ref _shardCommits,
        () => new(MaxInsertsPerTransaction, p => p.Operations, p => p.RowKey, async (partitionKey, chunk) =>
        {
            var outcomes = await CommitChunkAsync(partitionKey, chunk.ToList()).ConfigureAwait(false);
            return chunk.Select(p => outcomes[p.ReceiptId]).ToList();
        }, TimeSpan.FromMilliseconds(options.Value.CommitLingerMilliseconds), clock));

    /// <summary>
    /// At most 99 inserts and the counter, retried until they land. A 409 on one insert aborts the transaction;
    /// that signature is set aside as a duplicate (or, when the stored row carries the same receipt, as this very
    /// signature counted by an earlier attempt) and the rest go again. A 412 means the counter moved: re-read it.
    /// </summary>
    private async Task<Dictionary<string, CommitOutcome>> CommitChunkAsync(string partitionKey, List<Pending> remaining)
    {
        var ct = CancellationToken.None;
        var outcomes = new Dictionary<string, CommitOutcome>(StringComparer.Ordinal);
        var conflicts = 0;
        while (remaining.Count > 0)
        {
            // Held and unconfirmed rows are stored in the same transaction but move no counter and join no delivery.
            var counted = remaining.Where(p => p.Status == SignatureRowStatus.Counted).ToList();
            // Stamped per attempt, never reused by a later one: see CommitDeadline.
            var countedAt = clock.GetUtcNow();
            var actions = new List<TableTransactionAction>(remaining.Count * 2 + 2);
            var owners = new List<int>(remaining.Count * 2);
            var indexKey = counted.Count > 0 ? IndexRowKeyOf(countedAt, counted[0].RowKey) : null;
            for (var i = 0; i < remaining.Count; i++)
            {
                var signatureRow = ToEntity(partitionKey, remaining[i]);
                if (indexKey is not null && remaining[i].Status == SignatureRowStatus.Counted) signatureRow[SignatureColumns.IndexRow] = indexKey;
                actions.Add(new TableTransactionAction(TableTransactionActionType.Add, signatureRow));
                owners.Add(i);
                if (remaining[i].MailKind is { } kind)
                {
                    actions.Add(new TableTransactionAction(TableTransactionActionType.Add, OutboxRow.Of(remaining[i], kind).ToEntity(partitionKey)));
                    owners.Add(i);
                }
            }
            TableEntity? updated = null;
            var tally = await TallySourcesAsync(partitionKey, counted, ct).ConfigureAwait(false);
            if (tally is not null) actions.AddRange(tally.Actions);
            if (counted.Count > 0)
            {
                actions.Add(new TableTransactionAction(TableTransactionActionType.Add, IndexRowOf(partitionKey, counted, countedAt)));
                var counter = await GetCounterAsync(partitionKey, ct).ConfigureAwait(false);
                updated = Increment(counter, counted);
                MoveSeries(updated, counter, counted.Select(p => new SeriesPoint(countedAt, p.Signature.PostalCode)), +1);
                actions.Add(counter.ETag == default
                    ? new TableTransactionAction(TableTransactionActionType.Add, updated)
                    : new TableTransactionAction(TableTransactionActionType.UpdateMerge, updated, counter.ETag));
            }
            try
            {
                using var deadline = new CancellationTokenSource(CommitDeadline);
                var response = await _table.SubmitTransactionAsync(actions, deadline.Token).ConfigureAwait(false);
                PipelineMetrics.Transaction(TableNames.Signatures, actions.Count);
                tally?.Landed(response.Value, owners.Count);
                if (updated is not null)
                {
                    updated.ETag = response.Value[^1].Headers.ETag ?? default;
                    _counters[partitionKey] = updated;
                }
                foreach (var p in remaining) outcomes[p.ReceiptId] = CommitOutcome.Counted;
                remaining.Clear();
            }
            catch (TableTransactionFailedException e) when (e.Status == 409 && e.FailedTransactionActionIndex is int index && index < owners.Count)
            {
                var failed = remaining[owners[index]];
                outcomes[failed.ReceiptId] = await OutcomeOfExistingAsync(partitionKey, failed, ct).ConfigureAwait(false) ?? CommitOutcome.Duplicate;
                remaining.Remove(failed);
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412)
            {
                // The counter moved under us (another instance), or the store did not say which row failed.
                _counters.TryRemove(partitionKey, out _);
                if (++conflicts > MaxConflictRetries) throw;
                if (e.FailedTransactionActionIndex is null && conflicts > 2)
                    await SetAsideExistingAsync(partitionKey, remaining, outcomes, ct).ConfigureAwait(false);
                logger.LogDebug("Counter conflict on {PartitionKey}, attempt {Attempt}", partitionKey, conflicts);
                await Task.Delay(Random.Shared.Next(5, 20 * conflicts), ct).ConfigureAwait(false);
            }
            catch
            {
                _counters.TryRemove(partitionKey, out _);
                throw;
            }
        }
        return outcomes;
    }

    /// <summary>Only for a store that does not report the failing operation: find rows that already exist.</summary>
    private async Task SetAsideExistingAsync(string partitionKey, List<Pending> remaining, Dictionary<string, CommitOutcome> outcomes, CancellationToken ct)
    {
        foreach (var p in remaining.ToList())
        {
            if (await OutcomeOfExistingAsync(partitionKey, p, ct).ConfigureAwait(false) is not { } outcome) continue;
            outcomes[p.ReceiptId] = outcome;
            remaining.Remove(p);
        }
    }

    /// <summary>
    /// Null when the row does not exist; otherwise this very signature counted by an earlier attempt (the row carries its
    /// receipt), or another signature of the same person.
    /// </summary>
    private async Task<CommitOutcome?> OutcomeOfExistingAsync(string partitionKey, Pending p, CancellationToken ct)
    {
        var existing = await _table.GetEntityIfExistsAsync<TableEntity>(partitionKey, p.RowKey, cancellationToken: ct).ConfigureAwait(false);
        if (!existing.HasValue) return null;
        return existing.Value!.GetString(SignatureColumns.ReceiptId) == p.ReceiptId ? CommitOutcome.AlreadyCounted : CommitOutcome.Duplicate;
    }

    /// <summary>
    /// The rows one transaction inserts, in order: a signature row per signer, then their index row. The one place that
    /// knows the row format; the benchmark seeds through it too. The counter is the caller's.
    /// </summary>
    public static IReadOnlyList<TableEntity> RowsOf(string partitionKey, IReadOnlyList<Pending> items, DateTimeOffset countedAt)
    {
        if (items.Count is 0 or > MaxInsertsPerTransaction)
            throw new ArgumentOutOfRangeException(nameof(items), $"A transaction holds 1 to {MaxInsertsPerTransaction} signatures.");
        var rows = new List<TableEntity>(items.Count + 1);
        var index = IndexRowOf(partitionKey, items, countedAt);
        rows.AddRange(items.Select(p => { var row = ToEntity(partitionKey, p); row[SignatureColumns.IndexRow] = index.RowKey; return row; }));
        rows.Add(index);
        return rows;
    }

    private static TableEntity ToEntity(string partitionKey, Pending p)
    {
        var s = p.Signature;
        return WithoutNulls(WithSources(new TableEntity(partitionKey, p.RowKey)
        {
            [SignatureColumns.ReceiptId] = p.ReceiptId,
            [SignatureColumns.FirstName] = s.FirstName,
            [SignatureColumns.LastName] = s.LastName,
            [SignatureColumns.Email] = s.Email,
            [SignatureColumns.PostalCode] = s.PostalCode,
            [SignatureColumns.State] = s.State,
            [SignatureColumns.City] = s.City,
            [SignatureColumns.Country] = s.Country,
            [SignatureColumns.Comment] = s.Comment,
            [SignatureColumns.OptIn] = s.OptIn,
            // Only when chosen: a column every other row would carry as false costs bytes on every signature.
            [SignatureColumns.Private] = s.Private ? true : null,
            [SignatureColumns.SignedAt] = p.SignedAt,
            [SignatureColumns.Status] = StatusName(p.Status),
            [SignatureColumns.Flag] = p.Flag,
            [SignatureColumns.IpHash] = p.IpHash,
            // On the row as well as the outbox, so a fresh confirmation email asked for later is in the same language.
            [SignatureColumns.Lang] = SignerLanguage.Normalize(p.Lang),
        }, s.Sources));
    }

    /// <summary>
    /// Leaves out the properties without a value (most signers give no city, comment or language): an absent property
    /// reads back as null all the same, and the row is smaller to store, send and read back. (Insert time in a warm
    /// Azurite did not measurably depend on the number of properties.)
    /// </summary>
    internal static TableEntity WithoutNulls(TableEntity entity)
    {
        List<string>? empty = null;
        foreach (var (key, value) in entity)
            if (value is null) (empty ??= []).Add(key);
        if (empty is not null)
            foreach (var key in empty) entity.Remove(key);
        return entity;
    }
}
