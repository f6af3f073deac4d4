using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace SignaturePipeline.Signatures;

/// <summary>
/// RowKey <c>r_{signature row hash}_{details hash}</c>: on a confirmation petition, a later submission for an address whose
/// row is not counted (pending, held, or a removal's tombstone) with other details than that row. Nobody's first
/// submission fixes a place for good: the replacement waits here, uncounted, with its confirmation email recorded in the
/// same transaction, and when the mailbox's owner confirms it, it takes the row's place (<see cref="AdoptReplacementAsync"/>),
/// counted once. The key holds a hash of the details, so the same details posted again add nothing and send nothing.
/// A row an organizer invalidated is never replaced: that is their decision, not the form's.
/// </summary>
public sealed partial class SignatureStore
{
    public const string ReplacementRowPrefix = "r_";

    /// <summary>Whether a stored row may be replaced by a confirmed later submission (it does not count, and no organizer ruled it out).</summary>
    public static bool IsReplaceable(SignatureRow row) => row.Status is SignatureRowStatus.Pending or SignatureRowStatus.Suspicious or SignatureRowStatus.Removed;

    /// <summary>Whether <paramref name="s"/> says something else than the stored row (a tombstone says nothing).</summary>
    public static bool DiffersFrom(SignatureRow row, ValidSignature s) =>
        row.FirstName != s.FirstName || row.LastName != s.LastName || row.PostalCode != s.PostalCode || row.State != s.State
        || row.City != s.City || row.Comment != s.Comment || row.Private != s.Private;

    /// <summary>The signature row a replacement row is for.</summary>
    public static string SignatureRowKeyOf(string replacementKey) =>
        SignatureRowPrefix + replacementKey[ReplacementRowPrefix.Length..].Split('_')[0];

    public static bool IsReplacementKey(string rowKey) => rowKey.StartsWith(ReplacementRowPrefix, StringComparison.Ordinal);

    public async Task<SignatureRow?> GetRowAsync(string petitionId, int shard, string rowKey, CancellationToken ct)
    {
        var read = await _table.GetEntityIfExistsAsync<TableEntity>(PartitionKeyOf(petitionId, shard), rowKey, cancellationToken: ct).ConfigureAwait(false);
        return read.HasValue ? new SignatureRow(petitionId, shard, read.Value!) : null;
    }

    /// <summary>
    /// Records <paramref name="p"/> (keyed by its signature row) as a replacement, with its confirmation email
    /// (<see cref="Pending.MailKind"/>), in one transaction. Returns the outbox key to send, or null when these details
    /// were already offered (409).
    /// </summary>
    public async Task<string?> OfferReplacementAsync(string petitionId, int shard, Pending p, CancellationToken ct)
    {
        var pk = PartitionKeyOf(petitionId, shard);
        var s = p.Signature;
        var key = ReplacementRowPrefix + p.RowKey[SignatureRowPrefix.Length..] + "_"
            // The choice not to be named is part of the details; added only when made, so earlier replacements keep their keys.
            + hmac.RecordHash("replacement", string.Join('\n', s.FirstName, s.LastName, s.PostalCode, s.State, s.City, s.Country, s.Comment)
                + (s.Private ? "\nprivate" : ""), 8);
        var replacement = p with { RowKey = key, Status = SignatureRowStatus.Pending };
        try
        {
            await _table.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.Add, ToEntity(pk, replacement)),
                new TableTransactionAction(TableTransactionActionType.Add, OutboxRow.Of(replacement, p.MailKind!).ToEntity(pk)),
            ], ct).ConfigureAwait(false);
            return p.ReceiptId;
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            return null;
        }
    }

    /// <summary>
    /// The owner of the mailbox confirmed a replacement: in one transaction under every row's ETag, the signature row is
    /// rewritten with the replacement's details as counted and confirmed, the delivery index and the counter move by one,
    /// and the replacement row goes. When the signature row counts by now (its own link was confirmed first) or was
    /// invalidated, the replacement just goes, and the count does not move.
    /// </summary>
    public async Task<TransitionResult> AdoptReplacementAsync(string petitionId, int shard, string replacementKey, DateTimeOffset at, CancellationToken ct)
    {
        var pk = PartitionKeyOf(petitionId, shard);
        var rowKey = SignatureRowKeyOf(replacementKey);
        for (var attempt = 0; ; attempt++)
        {
            var offered = await _table.GetEntityIfExistsAsync<TableEntity>(pk, replacementKey, cancellationToken: ct).ConfigureAwait(false);
            var current = await GetRowAsync(petitionId, shard, rowKey, ct).ConfigureAwait(false);
            if (!offered.HasValue)
                return current is null ? new TransitionResult(TransitionOutcome.NotFound, null, null) : new TransitionResult(TransitionOutcome.Unchanged, current.Status, current.Status);
            var drop = new TableTransactionAction(TableTransactionActionType.Delete, offered.Value!, offered.Value!.ETag);
            var actions = new List<TableTransactionAction>(4) { drop };
            if (current is not null && !IsReplaceable(current))
            {
                await SubmitOrConflictAsync(actions, ct).ConfigureAwait(false);
                return new TransitionResult(TransitionOutcome.Unchanged, current.Status, current.Status);
            }
            var adopted = new TableEntity(pk, rowKey);
            foreach (var (column, value) in offered.Value!)
                if (column is not ("odata.etag" or "PartitionKey" or "RowKey" or "Timestamp")) adopted[column] = value;
            adopted[SignatureColumns.Status] = StatusName(SignatureRowStatus.Counted);
            adopted[SignatureColumns.Confirmed] = true;
            adopted[SignatureColumns.ConfirmedAt] = at;
            var countedAt = clock.GetUtcNow();
            var indexKey = IndexRowKeyOf(countedAt, rowKey);
            adopted[SignatureColumns.IndexRow] = indexKey;
            var row = new SignatureRow(petitionId, shard, adopted);
            actions.Add(current is null
                ? new TableTransactionAction(TableTransactionActionType.Add, adopted)
                : new TableTransactionAction(TableTransactionActionType.UpdateReplace, adopted, current.Entity.ETag));
            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, IndexedSigner.ToIndexEntity(pk, indexKey, countedAt, [row.ToIndexedSigner(countedAt)],
                [new SignerRef(rowKey, row.OptIn ? row.Email : null, row.Sources)])));
            actions.Add(await MoveCounterAsync(pk, row.State ?? "", 1, new SeriesPoint(countedAt, row.PostalCode), ct).ConfigureAwait(false));
            actions.AddRange(await MoveSourcesAsync(pk, adopted, 1, ct).ConfigureAwait(false));
            if (await SubmitOrConflictAsync(actions, ct).ConfigureAwait(false))
            {
                _counters.TryRemove(pk, out _);
                logger.LogInformation("Signature {RowKey} of {PartitionKey} replaced by its confirmed replacement, from {From}", rowKey, pk, current?.Status);
                return new TransitionResult(TransitionOutcome.Changed, current?.Status, SignatureRowStatus.Counted);
            }
            if (attempt >= MaxConflictRetries) throw new InvalidOperationException($"Replacement {replacementKey} of {pk} kept conflicting.");
            _counters.TryRemove(pk, out _);
            await Task.Delay(Random.Shared.Next(5, 20 * (attempt + 1)), ct).ConfigureAwait(false);
        }
    }

    /// <summary>The signer withdrew a replacement before confirming it (the removal link in its email): it goes, with its email.</summary>
    public async Task<TransitionOutcome> WithdrawReplacementAsync(string petitionId, int shard, string replacementKey, CancellationToken ct)
    {
        var pk = PartitionKeyOf(petitionId, shard);
        var offered = await _table.GetEntityIfExistsAsync<TableEntity>(pk, replacementKey, cancellationToken: ct).ConfigureAwait(false);
        if (!offered.HasValue) return TransitionOutcome.Unchanged;
        await SubmitOrConflictAsync([new TableTransactionAction(TableTransactionActionType.Delete, offered.Value!, offered.Value!.ETag)], ct).ConfigureAwait(false);
        if (offered.Value!.GetString(SignatureColumns.ReceiptId) is { } receipt && await GetOutboxAsync(petitionId, shard, receipt, ct).ConfigureAwait(false) is { } outbox)
            await DeleteOutboxAsync(petitionId, shard, outbox, ct).ConfigureAwait(false);
        return TransitionOutcome.Changed;
    }

    /// <summary>
    /// Deletes the replacements waiting for one signature row (or, when <paramref name="rowKey"/> is null, for every row of
    /// the shard), with their unsent emails: they hold personal data, so an erasure or an anonymisation takes them too.
    /// A partition range query.
    /// </summary>
    public async Task<int> DropReplacementsAsync(string petitionId, int shard, string? rowKey, CancellationToken ct)
    {
        var pk = PartitionKeyOf(petitionId, shard);
        var from = rowKey is null ? ReplacementRowPrefix : ReplacementRowPrefix + rowKey[SignatureRowPrefix.Length..] + "_";
        var to = from[..^1] + (char)(from[^1] + 1);
        var dropped = 0;
        await foreach (var offered in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey ge {from} and RowKey lt {to}"), cancellationToken: ct).ConfigureAwait(false))
            if (await WithdrawReplacementAsync(petitionId, shard, offered.RowKey, ct).ConfigureAwait(false) == TransitionOutcome.Changed) dropped++;
        return dropped;
    }

    /// <summary>False when a row moved under us (409/412): the caller decides again on fresh rows.</summary>
    private async Task<bool> SubmitOrConflictAsync(IReadOnlyList<TableTransactionAction> actions, CancellationToken ct)
    {
        try
        {
            await _table.SubmitTransactionAsync(actions, ct).ConfigureAwait(false);
            return true;
        }
        catch (TableTransactionFailedException e) when (e.Status is 404 or 409 or 412)
        {
            return false;
        }
    }
}
