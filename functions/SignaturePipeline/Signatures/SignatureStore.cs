using System.Buffers.Binary;
using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SignaturePipeline.Petitions;
using SignaturePipeline.Security;
using SignaturePipeline.Storage;

namespace SignaturePipeline.Signatures;

/// <summary>
/// Counted signatures and their exact counters, in table <c>signatures</c>.
/// <list type="bullet">
/// <item>PartitionKey <c>{petitionId}_{shard:00}</c>: each petition is spread over
/// <see cref="PipelineOptions.ShardCount"/> partitions, so one viral petition is not held to one partition's ~2,000 entities/s.</item>
/// <item>RowKey <c>s_{hmac}</c>: the HMAC of the petition and the canonical email. The shard comes from the same
/// hash, so a person always lands on the same row, and a second insert fails with 409: the store, not a lookup, decides duplicates.
/// The email is never in a key in clear.</item>
/// <item>RowKey <c>counter</c>: the shard's total and per-state counts (<c>Total</c>, <c>S_NY</c>, …). It changes in the same
/// entity-group transaction as the rows it counts, guarded by its ETag, so the count can never drift from the rows.</item>
/// <item>Signature rows carry <c>Status</c> (issue 8): <c>counted</c> (or absent, for rows written before it), <c>pending</c>
/// (waiting for email confirmation), <c>suspicious</c> (held: rate limit, honeypot, disposable domain), <c>invalidated</c>
/// (removed from the count by an organizer, with <c>Reason</c>) or <c>removed</c> (a PII-free tombstone after the signer
/// or an erasure request removed it). Only counted rows are in the counter. Every change of status goes through
/// <see cref="TransitionAsync"/>: one transaction that rewrites the row under its ETag and moves the counter under its ETag.</item>
/// <item>RowKey <c>m_{receiptId}</c> (or <c>m_{receiptId}_{n}</c> for a re-sent link): an email to a signer that has not been
/// sent yet (the outbox). Inserted in the same transaction as the signature row it belongs to, so a stored signature always
/// has its email recorded; deleted once sent. Rows <c>s_</c>, <c>m_</c> and <c>counter</c> never share a prefix.</item>
/// <item>RowKey <c>t_{countedAtTicks:D19}_{hash}</c>: the delivery index, one row per committed transaction, written in that
/// same transaction. It lists the transaction's signers in commit order (<see cref="IndexedSigner"/>: name, city, state, ZIP,
/// comment, signing time; never the email), with <c>CountedAt</c>, <c>Count</c> and a <c>Tally</c> of signers per state and
/// ZIP3. The ticks are the commit time, so a RowKey range is a time window read in order; the hash is the first signer's
/// <c>s_</c> key, which can be committed only once, so two index rows never share a key.</item>
/// </list>
/// <para>Why one index row per transaction and not one per signature: the signature rows are keyed by HMAC, so "signed since
/// last week" needs a time-ordered key; a row per signature would take half of every transaction (49 signatures instead of 98)
/// and of a partition's ~2,000 entities/s, and a weekly delivery would read one entity per signer. One row per transaction
/// costs one operation in a hundred, is atomic with the rows it lists (a duplicate's 409 aborts the transaction, and the retry
/// rebuilds the index row without it), and a delivery of a million signatures under load reads about ten thousand rows.
/// A trickle of single-signature transactions degrades to one index row per signature, which is still a range read.</para>
/// </summary>
public sealed class SignatureStore(TableServiceClient tables, Hmac hmac, IOptions<PipelineOptions> options, TimeProvider clock, ILogger<SignatureStore> logger)
{
    public const string CounterRowKey = "counter";
    public const string SignatureRowPrefix = "s_";
    public const string TotalProperty = "Total";
    public const string StatePropertyPrefix = "S_";
    public const string IndexRowPrefix = "t_";
    /// <summary>The first key after every <c>t_</c> key ('`' follows '_').</summary>
    public const string IndexRowEnd = "t`";

    public const string OutboxRowPrefix = "m_";
    public const string StatusProperty = "Status";
    /// <summary>On a counted row: the key of the delivery index row that lists it, so removing it can take it out there too.</summary>
    public const string IndexRowProperty = "IndexRow";

    // Azure's limit is 100 operations per transaction: signature and outbox rows, their index row and the counter.
    public const int MaxInsertsPerTransaction = 98;

    /// <summary>
    /// The columns that name or reach a person. A tombstone or an anonymised row keeps none of them. The language is
    /// among them: with a name or a ZIP code it can hint at national origin, and only the signer's emails need it.
    /// </summary>
    public static readonly IReadOnlyList<string> PersonalProperties = ["FirstName", "LastName", "Email", "PostalCode", "City", "Country", "Comment", "OptIn", "IpHash", "Lang"];
    private const int MaxConflictRetries = 20;

    /// <summary>
    /// The longest a transaction may take from the moment its rows are stamped with their commit time to the moment it is
    /// abandoned. Deliveries compile only rows stamped before <c>now − SafetyMargin</c> (two minutes); a transaction that
    /// could still land later than that would be skipped by the delivery that had already read its window. Cancelling after
    /// a minute (Azure's own server timeout bounds a request it already received to 30 s) keeps every landing inside the
    /// margin; the message is then retried under a new stamp, and a cancelled attempt that landed anyway meets its 409.
    /// </summary>
    public static readonly TimeSpan CommitDeadline = TimeSpan.FromMinutes(1);

    private readonly TableClient _table = tables.GetTableClient(TableNames.Signatures);
    private readonly int _shards = options.Value.ShardCount;

    // The last counter each shard was seen with. One processor usually owns a shard's writes, so the cached
    // ETag is usually current and a transaction needs no read first; a stale one costs one 412 and a re-read.
    private readonly ConcurrentDictionary<string, TableEntity> _counters = new(StringComparer.Ordinal);

    public int ShardCount => _shards;

    public (int Shard, string RowKey) KeyOf(string petitionId, string canonicalEmail)
    {
        var hash = hmac.Compute("signature", petitionId + "\n" + canonicalEmail);
        var shard = (int)(BinaryPrimitives.ReadUInt32BigEndian(hash) % (uint)_shards);
        return (shard, SignatureRowPrefix + Convert.ToHexStringLower(hash));
    }

    public static string PartitionKeyOf(string petitionId, int shard) => $"{petitionId}_{shard:D2}";

    public sealed record Pending(QueuedSignature Queued, ValidSignature Signature, int Shard, string RowKey,
        SignatureRowStatus Status = SignatureRowStatus.Counted, string? MailKind = null)
    {
        /// <summary>Rows this signature adds to its transaction: itself, and its outbox row when it has an email to send.</summary>
        internal int Operations => MailKind is null ? 1 : 2;
    }

    public enum CommitOutcome { Counted, AlreadyCounted, Duplicate }

    /// <summary>
    /// Inserts the signatures of one shard and moves its counter. Concurrent callers for the same shard are
    /// coalesced (group commit): one writer per shard in this process takes everything waiting, up to 99
    /// inserts plus the counter, into one entity-group transaction. Competing writers in this process would only
    /// fail each other's ETags; other instances still can, and are handled by re-reading the counter.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, CommitOutcome>> CommitShardAsync(string petitionId, int shard, IReadOnlyList<Pending> items, CancellationToken ct)
    {
        var outcomes = await ShardCommits.SubmitAsync(PartitionKeyOf(petitionId, shard), items, ct).ConfigureAwait(false);
        return items.Zip(outcomes).ToDictionary(x => x.First.Queued.ReceiptId, x => x.Second, StringComparer.Ordinal);
    }

    // A second signature of the same person waits for the next transaction, where it meets a 409.
    private GroupCommit<Pending, CommitOutcome>? _shardCommits;

    // One instance per store, published once, so every caller of a shard meets the same drain.
    private GroupCommit<Pending, CommitOutcome> ShardCommits => LazyInitializer.EnsureInitialized(ref _shardCommits,
        () => new(MaxInsertsPerTransaction, p => p.Operations, p => p.RowKey, async (partitionKey, chunk) =>
        {
            var outcomes = await CommitChunkAsync(partitionKey, chunk.ToList()).ConfigureAwait(false);
            return chunk.Select(p => outcomes[p.Queued.ReceiptId]).ToList();
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
                if (indexKey is not null && remaining[i].Status == SignatureRowStatus.Counted) signatureRow[IndexRowProperty] = indexKey;
                actions.Add(new TableTransactionAction(TableTransactionActionType.Add, signatureRow));
                owners.Add(i);
                if (remaining[i].MailKind is { } kind)
                {
                    actions.Add(new TableTransactionAction(TableTransactionActionType.Add, OutboxEntity(partitionKey, remaining[i], kind)));
                    owners.Add(i);
                }
            }
            TableEntity? updated = null;
            if (counted.Count > 0)
            {
                actions.Add(new TableTransactionAction(TableTransactionActionType.Add, IndexRowOf(partitionKey, counted, countedAt)));
                var counter = await GetCounterAsync(partitionKey, ct).ConfigureAwait(false);
                updated = Increment(counter, counted);
                actions.Add(counter.ETag == default
                    ? new TableTransactionAction(TableTransactionActionType.Add, updated)
                    : new TableTransactionAction(TableTransactionActionType.UpdateMerge, updated, counter.ETag));
            }
            try
            {
                using var deadline = new CancellationTokenSource(CommitDeadline);
                var response = await _table.SubmitTransactionAsync(actions, deadline.Token).ConfigureAwait(false);
                Operations.PipelineMetrics.Transaction(TableNames.Signatures, actions.Count);
                if (updated is not null)
                {
                    updated.ETag = response.Value[^1].Headers.ETag ?? default;
                    _counters[partitionKey] = updated;
                }
                foreach (var p in remaining) outcomes[p.Queued.ReceiptId] = CommitOutcome.Counted;
                remaining.Clear();
            }
            catch (TableTransactionFailedException e) when (e.Status == 409 && e.FailedTransactionActionIndex is int index && index < owners.Count)
            {
                var failed = remaining[owners[index]];
                var existing = await _table.GetEntityIfExistsAsync<TableEntity>(partitionKey, failed.RowKey, cancellationToken: ct).ConfigureAwait(false);
                var own = existing.HasValue && existing.Value!.GetString("ReceiptId") == failed.Queued.ReceiptId;
                outcomes[failed.Queued.ReceiptId] = own ? CommitOutcome.AlreadyCounted : CommitOutcome.Duplicate;
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
            var existing = await _table.GetEntityIfExistsAsync<TableEntity>(partitionKey, p.RowKey, cancellationToken: ct).ConfigureAwait(false);
            if (!existing.HasValue) continue;
            outcomes[p.Queued.ReceiptId] = existing.Value!.GetString("ReceiptId") == p.Queued.ReceiptId ? CommitOutcome.AlreadyCounted : CommitOutcome.Duplicate;
            remaining.Remove(p);
        }
    }

    private async Task<TableEntity> GetCounterAsync(string partitionKey, CancellationToken ct)
    {
        if (_counters.TryGetValue(partitionKey, out var cached)) return cached;
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(partitionKey, CounterRowKey, cancellationToken: ct).ConfigureAwait(false);
        var counter = response.HasValue ? response.Value! : new TableEntity(partitionKey, CounterRowKey) { [TotalProperty] = 0L };
        // A counter that does not exist yet is not cached: its first Add would otherwise race a stale "absent".
        if (response.HasValue) _counters.TryAdd(partitionKey, counter);
        return counter;
    }

    private static TableEntity Increment(TableEntity counter, List<Pending> chunk)
    {
        var updated = new TableEntity(counter.PartitionKey, counter.RowKey) { [TotalProperty] = (counter.GetInt64(TotalProperty) ?? 0) + chunk.Count };
        foreach (var group in chunk.GroupBy(p => p.Signature.State))
        {
            var property = StatePropertyPrefix + group.Key;
            updated[property] = (counter.GetInt64(property) ?? 0) + group.Count();
        }
        // Keep the other states' values in the cached copy; Merge leaves them untouched in the store.
        foreach (var (key, value) in counter)
            if (key.StartsWith(StatePropertyPrefix, StringComparison.Ordinal) && !updated.ContainsKey(key)) updated[key] = value;
        updated.ETag = counter.ETag;
        return updated;
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
        rows.AddRange(items.Select(p => { var row = ToEntity(partitionKey, p); row[IndexRowProperty] = index.RowKey; return row; }));
        rows.Add(index);
        return rows;
    }

    /// <summary>The index row's signers without the one <paramref name="signatureRow"/> describes; null when it is not listed there.</summary>
    private static List<IndexedSigner>? WithoutSigner(TableEntity indexRow, TableEntity signatureRow)
    {
        var signers = IndexedSigner.ReadSigners(indexRow).ToList();
        var at = signers.FindIndex(s => s.FirstName == (signatureRow.GetString("FirstName") ?? "") && s.LastName == (signatureRow.GetString("LastName") ?? "")
            && s.PostalCode == (signatureRow.GetString("PostalCode") ?? "") && s.State == (signatureRow.GetString("State") ?? "")
            && s.Comment == (signatureRow.GetString("Comment") ?? ""));
        if (at < 0) return null;
        signers.RemoveAt(at);
        return signers;
    }

    /// <summary>The delivery index row of the counted signatures of one transaction.</summary>
    private static TableEntity IndexRowOf(string partitionKey, IReadOnlyList<Pending> counted, DateTimeOffset countedAt) =>
        IndexedSigner.ToIndexEntity(partitionKey, IndexRowKeyOf(countedAt, counted[0].RowKey), countedAt,
            counted.Select(p => IndexedSigner.From(p.Signature, p.Queued.ReceivedAt)));

    /// <summary><c>t_{ticks:D19}_{hash}</c>: sorts by commit time; the first signer's hash makes it unique.</summary>
    public static string IndexRowKeyOf(DateTimeOffset countedAt, string firstSignatureRowKey) =>
        IndexRowPrefix + IndexBoundOf(countedAt)[IndexRowPrefix.Length..] + "_" + firstSignatureRowKey[SignatureRowPrefix.Length..];

    /// <summary>The first index key at or after <paramref name="at"/>: a delivery window is [IndexBoundOf(from), IndexBoundOf(to)).</summary>
    public static string IndexBoundOf(DateTimeOffset at) =>
        IndexRowPrefix + at.UtcTicks.ToString("D19", System.Globalization.CultureInfo.InvariantCulture);

    private static TableEntity ToEntity(string partitionKey, Pending p)
    {
        var s = p.Signature;
        return WithoutNulls(new TableEntity(partitionKey, p.RowKey)
        {
            ["ReceiptId"] = p.Queued.ReceiptId,
            ["FirstName"] = s.FirstName,
            ["LastName"] = s.LastName,
            ["Email"] = s.Email,
            ["PostalCode"] = s.PostalCode,
            ["State"] = s.State,
            ["City"] = s.City,
            ["Country"] = s.Country,
            ["Comment"] = s.Comment,
            ["OptIn"] = s.OptIn,
            ["SignedAt"] = p.Queued.ReceivedAt,
            [StatusProperty] = StatusName(p.Status),
            ["Flag"] = p.Queued.Flag,
            ["IpHash"] = p.Queued.IpHash,
            // On the row as well as the outbox, so a fresh confirmation email asked for later is in the same language.
            ["Lang"] = SignerLanguage.Normalize(p.Queued.Signature.Lang),
        });
    }

    /// <summary>
    /// Leaves out the properties without a value (most signers give no city, comment or language): an absent property
    /// reads back as null all the same, and the row is smaller to store, send and read back. (Insert time in a warm
    /// Azurite did not measurably depend on the number of properties.)
    /// </summary>
    private static TableEntity WithoutNulls(TableEntity entity)
    {
        List<string>? empty = null;
        foreach (var (key, value) in entity)
            if (value is null) (empty ??= []).Add(key);
        if (empty is not null)
            foreach (var key in empty) entity.Remove(key);
        return entity;
    }

    private static TableEntity OutboxEntity(string partitionKey, Pending p, string kind) => WithoutNulls(new(partitionKey, OutboxRowPrefix + p.Queued.ReceiptId)
    {
        ["Kind"] = kind,
        ["ReceiptId"] = p.Queued.ReceiptId,
        ["SignatureRowKey"] = p.RowKey,
        ["To"] = p.Signature.Email,
        ["CreatedAt"] = p.Queued.ReceivedAt,
        ["Lang"] = SignerLanguage.Normalize(p.Queued.Signature.Lang),
    });

    /// <summary>
    /// The petition's count as this process last saw each shard: exact for the shards it writes, a few seconds
    /// old for others. Used for supporter numbers, where a read per shard per batch would cost more than the batch.
    /// </summary>
    public async Task<long> ObservedTotalAsync(string petitionId, CancellationToken ct)
    {
        long total = 0;
        for (var shard = 0; shard < _shards; shard++)
            total += (await GetCounterAsync(PartitionKeyOf(petitionId, shard), ct).ConfigureAwait(false)).GetInt64(TotalProperty) ?? 0;
        return total;
    }

    /// <summary>The petition's exact count: one point read per shard, whatever the number of signatures.</summary>
    public async Task<PetitionCounts> GetCountsAsync(string petitionId, CancellationToken ct)
    {
        var reads = Enumerable.Range(0, _shards)
            .Select(shard => _table.GetEntityIfExistsAsync<TableEntity>(PartitionKeyOf(petitionId, shard), CounterRowKey, cancellationToken: ct))
            .ToArray();
        var results = await Task.WhenAll(reads).ConfigureAwait(false);
        long total = 0;
        var byState = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var result in results)
        {
            if (!result.HasValue) continue;
            var counter = result.Value!;
            total += counter.GetInt64(TotalProperty) ?? 0;
            foreach (var (key, value) in counter)
                if (key.StartsWith(StatePropertyPrefix, StringComparison.Ordinal) && value is long n && n != 0)
                    byState[key[StatePropertyPrefix.Length..]] = byState.GetValueOrDefault(key[StatePropertyPrefix.Length..]) + n;
        }
        return new PetitionCounts(total, byState);
    }

    /// <summary>
    /// Rewrites one shard's counter from its rows when they disagree. Guarded by the ETag the counter had before
    /// the recount: a commit in between fails this with 412, and the caller recounts again.
    /// </summary>
    public async Task<bool> RepairShardAsync(string petitionId, int shard, CancellationToken ct)
    {
        var pk = PartitionKeyOf(petitionId, shard);
        var current = await _table.GetEntityIfExistsAsync<TableEntity>(pk, CounterRowKey, cancellationToken: ct).ConfigureAwait(false);
        var (total, rows) = await CountRowsAsync(pk, ct).ConfigureAwait(false);
        var byState = rows.ToDictionary(kv => StatePropertyPrefix + kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var counter = new TableEntity(pk, CounterRowKey) { [TotalProperty] = total };
        foreach (var (state, n) in byState) counter[state] = n;
        if (current.HasValue)
        {
            var old = current.Value!;
            var same = (old.GetInt64(TotalProperty) ?? 0) == total
                && old.Keys.Where(k => k.StartsWith(StatePropertyPrefix, StringComparison.Ordinal)).All(k => (old.GetInt64(k) ?? 0) == byState.GetValueOrDefault(k))
                && byState.All(kv => (old.GetInt64(kv.Key) ?? 0) == kv.Value);
            if (same) return false;
            await _table.UpdateEntityAsync(counter, old.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
        }
        else
        {
            if (total == 0) return false;
            await _table.AddEntityAsync(counter, ct).ConfigureAwait(false);
        }
        _counters.TryRemove(pk, out _);
        return true;
    }

    /// <summary>
    /// Recounts from the rows themselves (a partition query per shard). For tests and operators only:
    /// it proves the counters; it is never on a request path.
    /// </summary>
    public async Task<PetitionCounts> RecountAsync(string petitionId, CancellationToken ct)
    {
        long total = 0;
        var byState = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var shard = 0; shard < _shards; shard++)
        {
            var (shardTotal, shardStates) = await CountRowsAsync(PartitionKeyOf(petitionId, shard), ct).ConfigureAwait(false);
            total += shardTotal;
            foreach (var (state, n) in shardStates) byState[state] = byState.GetValueOrDefault(state) + n;
        }
        return new PetitionCounts(total, byState);
    }

    /// <summary>Counts the counted signature rows of one shard, in total and per state: a partition query, selecting two columns.</summary>
    private async Task<(long Total, Dictionary<string, long> ByState)> CountRowsAsync(string partitionKey, CancellationToken ct)
    {
        long total = 0;
        var byState = new Dictionary<string, long>(StringComparer.Ordinal);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey ge {SignatureRowPrefix} and RowKey lt {"s`"}");
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, select: ["State", StatusProperty], cancellationToken: ct).ConfigureAwait(false))
        {
            if (StatusOf(row) != SignatureRowStatus.Counted) continue;
            total++;
            var state = row.GetString("State") ?? "";
            byState[state] = byState.GetValueOrDefault(state) + 1;
        }
        return (total, byState);
    }

    // ---- Issue 8: statuses, transitions, outbox. Additive: the commit path above is unchanged for counted rows. ----

    public static string StatusName(SignatureRowStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>Rows written before statuses existed have none: they were counted.</summary>
    public static SignatureRowStatus StatusOf(TableEntity row) =>
        row.GetString(StatusProperty) is { } name && Enum.TryParse<SignatureRowStatus>(name, ignoreCase: true, out var status) ? status : SignatureRowStatus.Counted;

    /// <summary>
    /// Changes one signature's status, and the counter with it, exactly: one entity-group transaction in the shard's
    /// partition that rewrites the row under the ETag it was read with and moves the counter under its own ETag.
    /// A concurrent change to either fails the transaction (412), and the decision is taken again on fresh rows, so
    /// two confirmations, or a confirmation racing a removal, can never move the count twice.
    /// <paramref name="decide"/> returns null to leave the row as it is.
    /// </summary>
    public async Task<TransitionResult> TransitionAsync(string petitionId, int shard, string rowKey, Func<SignatureRow, RowChange?> decide, CancellationToken ct)
    {
        var pk = PartitionKeyOf(petitionId, shard);
        for (var attempt = 0; ; attempt++)
        {
            var read = await _table.GetEntityIfExistsAsync<TableEntity>(pk, rowKey, cancellationToken: ct).ConfigureAwait(false);
            if (!read.HasValue) return new TransitionResult(TransitionOutcome.NotFound, null, null);
            var row = new SignatureRow(petitionId, shard, read.Value!);
            var change = decide(row);
            if (change is null) return new TransitionResult(TransitionOutcome.Unchanged, row.Status, row.Status);

            var entity = change.ErasePersonalData ? Tombstone(row.Entity) : new TableEntity(pk, rowKey);
            entity[StatusProperty] = StatusName(change.To);
            foreach (var (key, value) in change.Set) entity[key] = value;
            var actions = new List<TableTransactionAction>(2)
            {
                new(change.ErasePersonalData ? TableTransactionActionType.UpdateReplace : TableTransactionActionType.UpdateMerge, entity, row.Entity.ETag),
            };
            var delta = (change.To == SignatureRowStatus.Counted ? 1 : 0) - (row.Status == SignatureRowStatus.Counted ? 1 : 0);
            if (delta > 0)
            {
                // Counted now (confirmed, released): it joins the delivery index at this moment, in this transaction,
                // so the next delivery window holds it exactly once.
                var e = row.Entity;
                var countedAt = clock.GetUtcNow();
                var signer = new IndexedSigner(e.GetString("FirstName") ?? "", e.GetString("LastName") ?? "", e.GetString("City") ?? "",
                    e.GetString("State") ?? "", e.GetString("PostalCode") ?? "", e.GetString("Comment") ?? "",
                    (e.GetDateTimeOffset("SignedAt") ?? countedAt).ToUniversalTime());
                var key = IndexRowKeyOf(countedAt, rowKey);
                entity[IndexRowProperty] = key;
                actions.Add(new TableTransactionAction(TableTransactionActionType.Add,
                    IndexedSigner.ToIndexEntity(pk, key, countedAt, [signer])));
            }
            else if ((delta < 0 || change.ErasePersonalData) && row.Entity.GetString(IndexRowProperty) is { } indexKey)
            {
                // Out of the count, or erased: out of the delivery index too, in the same transaction, so no later delivery
                // lists the signer and no index row keeps their name or comment.
                entity.Remove(IndexRowProperty);
                var index = await _table.GetEntityIfExistsAsync<TableEntity>(pk, indexKey, cancellationToken: ct).ConfigureAwait(false);
                if (index.HasValue && WithoutSigner(index.Value!, row.Entity) is { } rewritten)
                    actions.Add(rewritten.Count == 0
                        ? new TableTransactionAction(TableTransactionActionType.Delete, index.Value!, index.Value!.ETag)
                        : new TableTransactionAction(TableTransactionActionType.UpdateReplace,
                            IndexedSigner.ToIndexEntity(pk, indexKey, index.Value!.GetDateTimeOffset(IndexedSigner.CountedAtProperty) ?? clock.GetUtcNow(), rewritten),
                            index.Value!.ETag));
            }
            if (delta != 0)
            {
                // Read fresh, not from the commit cache: this path is rare, and a stale ETag would only cost a retry.
                var counterRead = await _table.GetEntityIfExistsAsync<TableEntity>(pk, CounterRowKey, cancellationToken: ct).ConfigureAwait(false);
                var state = StatePropertyPrefix + (row.Entity.GetString("State") ?? "");
                if (counterRead.HasValue)
                {
                    var counter = counterRead.Value!;
                    var moved = new TableEntity(pk, CounterRowKey)
                    {
                        [TotalProperty] = (counter.GetInt64(TotalProperty) ?? 0) + delta,
                        [state] = (counter.GetInt64(state) ?? 0) + delta,
                    };
                    actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateMerge, moved, counter.ETag));
                }
                else
                {
                    if (delta < 0) throw new InvalidOperationException($"Shard {pk} has a counted row but no counter; run the recount.");
                    actions.Add(new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(pk, CounterRowKey) { [TotalProperty] = 1L, [state] = 1L }));
                }
            }
            try
            {
                await _table.SubmitTransactionAsync(actions, ct).ConfigureAwait(false);
                if (delta != 0) _counters.TryRemove(pk, out _);
                logger.LogInformation("Signature {RowKey} of {PartitionKey} moved from {From} to {To}", rowKey, pk, row.Status, change.To);
                return new TransitionResult(TransitionOutcome.Changed, row.Status, change.To);
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412 && attempt < MaxConflictRetries)
            {
                _counters.TryRemove(pk, out _);
                await Task.Delay(Random.Shared.Next(5, 20 * (attempt + 1)), ct).ConfigureAwait(false);
            }
        }
    }

    private static TableEntity Tombstone(TableEntity row)
    {
        var tombstone = new TableEntity(row.PartitionKey, row.RowKey);
        foreach (var (key, value) in row)
            if (!PersonalProperties.Contains(key) && key is not ("odata.etag" or "PartitionKey" or "RowKey" or "Timestamp")) tombstone[key] = value;
        return tombstone;
    }

    /// <summary>One signature row by its key, or null.</summary>
    public async Task<SignatureRow?> GetRowAsync(string petitionId, int shard, string rowKey, CancellationToken ct)
    {
        var read = await _table.GetEntityIfExistsAsync<TableEntity>(PartitionKeyOf(petitionId, shard), rowKey, cancellationToken: ct).ConfigureAwait(false);
        return read.HasValue ? new SignatureRow(petitionId, shard, read.Value!) : null;
    }

    /// <summary>
    /// Every signature row of a petition, shard after shard, page by page (a partition range query each: never a
    /// table scan). Memory stays constant whatever the count. For admin work and exports, never for a request path.
    /// </summary>
    public async IAsyncEnumerable<SignatureRow> QueryRowsAsync(string petitionId, IReadOnlyList<string>? select, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct, string? extraFilter = null)
    {
        for (var shard = 0; shard < _shards; shard++)
        {
            var pk = PartitionKeyOf(petitionId, shard);
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey ge {SignatureRowPrefix} and RowKey lt {"s`"}");
            if (extraFilter is not null) filter = $"({filter}) and ({extraFilter})";
            // A projection returns only what it names: the keys must be asked for, or the rows cannot be acted on.
            var columns = select is null ? null : select.Concat(["PartitionKey", "RowKey", StatusProperty]).Distinct().ToList();
            await foreach (var row in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: columns, cancellationToken: ct).ConfigureAwait(false))
                yield return new SignatureRow(petitionId, shard, row);
        }
    }

    /// <summary>
    /// Records an email to a signer (outbox) in <paramref name="lang"/> (null: English). False when it was already
    /// recorded: the key is the receipt, so a retry adds nothing.
    /// </summary>
    public async Task<bool> AddOutboxAsync(string petitionId, int shard, string outboxKey, string kind, string receiptId, string signatureRowKey, string to, string? lang, DateTimeOffset at, CancellationToken ct)
    {
        try
        {
            await _table.AddEntityAsync(new TableEntity(PartitionKeyOf(petitionId, shard), OutboxRowPrefix + outboxKey)
            {
                ["Kind"] = kind,
                ["ReceiptId"] = receiptId,
                ["SignatureRowKey"] = signatureRowKey,
                ["To"] = to,
                ["CreatedAt"] = at,
                ["Lang"] = SignerLanguage.Normalize(lang),
            }, ct).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    public async Task<TableEntity?> GetOutboxAsync(string petitionId, int shard, string outboxKey, CancellationToken ct)
    {
        var read = await _table.GetEntityIfExistsAsync<TableEntity>(PartitionKeyOf(petitionId, shard), OutboxRowPrefix + outboxKey, cancellationToken: ct).ConfigureAwait(false);
        return read.HasValue ? read.Value : null;
    }

    /// <summary>Unsent signer emails of one shard: a partition range query, for the sweep that retries failed sends.</summary>
    public IAsyncEnumerable<TableEntity> ListOutboxAsync(string petitionId, int shard, CancellationToken ct) =>
        _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {PartitionKeyOf(petitionId, shard)} and RowKey ge {OutboxRowPrefix} and RowKey lt {"m`"}"), cancellationToken: ct);

    /// <summary>Deletes a sent email's outbox row under its ETag; a concurrent sender that deleted it first is fine.</summary>
    public async Task DeleteOutboxAsync(TableEntity outbox, CancellationToken ct)
    {
        try { await _table.DeleteEntityAsync(outbox, outbox.ETag, ct).ConfigureAwait(false); }
        catch (RequestFailedException e) when (e.Status is 404 or 412) { }
    }

    /// <summary>
    /// Removes a signature (signer's link, erasure request): it leaves the count exactly, its personal data is deleted,
    /// and a tombstone keeps its state, time, status and reason, so the count history stays explainable. Its unsent
    /// email, if any, goes too: the outbox row holds the address.
    /// </summary>
    public async Task<TransitionResult> RemoveAsync(string petitionId, int shard, string rowKey, string reason, DateTimeOffset at, CancellationToken ct)
    {
        string? receipt = null;
        var result = await TransitionAsync(petitionId, shard, rowKey, row =>
        {
            receipt = row.ReceiptId;
            return row.Status == SignatureRowStatus.Removed ? null
                : new RowChange(SignatureRowStatus.Removed, new Dictionary<string, object?> { ["Reason"] = reason, ["RemovedAt"] = at, ["RemovedFrom"] = StatusName(row.Status) }, ErasePersonalData: true);
        }, ct).ConfigureAwait(false);
        if (result.Outcome == TransitionOutcome.Changed && receipt is not null && await GetOutboxAsync(petitionId, shard, receipt, ct).ConfigureAwait(false) is { } outbox)
            await DeleteOutboxAsync(outbox, ct).ConfigureAwait(false);
        return result;
    }
}
