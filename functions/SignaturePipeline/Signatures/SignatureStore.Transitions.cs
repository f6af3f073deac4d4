using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace SignaturePipeline.Signatures;

/// <summary>
/// What a transition writes: the new status, the columns that record why and when, and whether personal data goes (a
/// tombstone). Made only by the named changes below, so no caller spells a column.
/// </summary>
public sealed record RowChange
{
    private RowChange(SignatureRowStatus to, IReadOnlyDictionary<string, object?> set, bool erasePersonalData, IReadOnlyList<string>? clear = null)
    {
        To = to;
        Set = set;
        ErasePersonalData = erasePersonalData;
        Clear = clear ?? [];
    }

    public SignatureRowStatus To { get; }
    internal IReadOnlyDictionary<string, object?> Set { get; }
    public bool ErasePersonalData { get; }
    /// <summary>Columns the change deletes from the row (a merge cannot delete a column: the row is then replaced whole).</summary>
    internal IReadOnlyList<string> Clear { get; }

    private static RowChange Of(SignatureRowStatus to, bool erase, params (string Column, object? Value)[] set) =>
        new(to, set.ToDictionary(s => s.Column, s => s.Value, StringComparer.Ordinal), erase);

    /// <summary>The signer confirmed their address; <paramref name="to"/> is counted for a pending row, else its status as it is.</summary>
    public static RowChange Confirm(SignatureRowStatus to, DateTimeOffset at) =>
        Of(to, false, (SignatureColumns.Confirmed, true), (SignatureColumns.ConfirmedAt, at));

    /// <summary>A fresh confirmation email was recorded: the row keeps its count of them, for the rate limit.</summary>
    public static RowChange Resent(SignatureRowStatus status, int resends, DateTimeOffset at) =>
        Of(status, false, (SignatureColumns.Resends, resends), (SignatureColumns.LastResendAt, at));

    /// <summary>An "already signed" note for the duplicate <paramref name="receiptId"/> was recorded: the row keeps when, for the cap on notes.</summary>
    public static RowChange Noted(SignatureRowStatus status, string receiptId, DateTimeOffset at) =>
        Of(status, false, (SignatureColumns.LastNoteAt, at), (SignatureColumns.LastNoteReceipt, receiptId));

    /// <summary>An organizer released a held row into <paramref name="to"/>.</summary>
    public static RowChange Release(SignatureRowStatus to, DateTimeOffset at) =>
        Of(to, false, (SignatureColumns.ReleasedAt, at));

    /// <summary>An organizer invalidated the row: it stays stored, for the record, and never counts.</summary>
    public static RowChange Invalidate(string reason, DateTimeOffset at) =>
        Of(SignatureRowStatus.Invalidated, false, (SignatureColumns.Reason, reason), (SignatureColumns.InvalidatedAt, at));

    /// <summary>
    /// A rule invalidated the row: besides the reason, the row keeps the rule's id and the status it had, in the same
    /// write that changes it, so that a revert restores exactly the rows this rule changed and nothing else.
    /// </summary>
    public static RowChange InvalidateByRule(string reason, string invalidationId, SignatureRowStatus from, DateTimeOffset at) =>
        Of(SignatureRowStatus.Invalidated, false, (SignatureColumns.Reason, reason), (SignatureColumns.InvalidatedAt, at),
            (SignatureColumns.InvalidationId, invalidationId), (SignatureColumns.InvalidatedFrom, SignatureStore.StatusName(from)));

    /// <summary>An organizer reverted the rule that invalidated the row: it goes back to <paramref name="to"/>, the rule's marks go.</summary>
    public static RowChange RevertInvalidation(SignatureRowStatus to, DateTimeOffset at) =>
        new(to, new Dictionary<string, object?>(StringComparer.Ordinal) { [SignatureColumns.RevertedAt] = at }, false,
            [SignatureColumns.Reason, SignatureColumns.InvalidatedAt, SignatureColumns.InvalidationId, SignatureColumns.InvalidatedFrom]);

    /// <summary>The signature is removed: a tombstone keeps why, when, and the status it left.</summary>
    public static RowChange Remove(SignatureRowStatus from, string reason, DateTimeOffset at) =>
        Of(SignatureRowStatus.Removed, true, (SignatureColumns.Reason, reason), (SignatureColumns.RemovedAt, at), (SignatureColumns.RemovedFrom, SignatureStore.StatusName(from)));

    /// <summary>The retention period is over: personal data goes, the status stays, so counts do not move.</summary>
    public static RowChange Anonymise(SignatureRowStatus status, DateTimeOffset at) =>
        Of(status, true, (SignatureColumns.AnonymisedAt, at));
}

public enum TransitionOutcome { NotFound, Unchanged, Changed }

public sealed record TransitionResult(TransitionOutcome Outcome, SignatureRowStatus? From, SignatureRowStatus? To)
{
    /// <summary>
    /// When the signer was counted, if this change took them out of the delivery index: deliveries whose window holds this
    /// moment listed them, and an erasure must take them out of those files too.
    /// </summary>
    public DateTimeOffset? UnlistedCountedAt { get; init; }

    /// <summary>The state the signer was listed under, with <see cref="UnlistedCountedAt"/>: a governor's delivery holds only its state.</summary>
    public string? UnlistedState { get; init; }

    /// <summary>Change in the petition's count: +1, -1 or 0.</summary>
    public int CountDelta => Outcome != TransitionOutcome.Changed ? 0
        : (To == SignatureRowStatus.Counted ? 1 : 0) - (From == SignatureRowStatus.Counted ? 1 : 0);
}

/// <summary>
/// Signature rows carry a <c>Status</c>: <c>counted</c>, <c>pending</c> (waiting for email confirmation), <c>suspicious</c>
/// (held: rate limit, honeypot, disposable domain), <c>invalidated</c> (removed from the count by an organizer, with a reason)
/// or <c>removed</c> (a PII-free tombstone after the signer or an erasure request removed it). Only counted rows are in the
/// counter. Every change of status goes through <see cref="TransitionAsync"/>.
/// </summary>
public sealed partial class SignatureStore
{
    /// <summary>
    /// The columns that name or reach a person. A tombstone or an anonymised row keeps none of them. The language is
    /// among them: with a name or a ZIP code it can hint at national origin, and only the signer's emails need it. So is
    /// the choice not to be named: it says who felt at risk.
    /// </summary>
    public static readonly IReadOnlyList<string> PersonalProperties =
    [
        SignatureColumns.FirstName, SignatureColumns.LastName, SignatureColumns.Email, SignatureColumns.PostalCode, SignatureColumns.City,
        SignatureColumns.Country, SignatureColumns.Comment, SignatureColumns.OptIn, SignatureColumns.IpHash, SignatureColumns.Lang,
        SignatureColumns.Private,
    ];

    public static string StatusName(SignatureRowStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>A row's status, as its <c>Status</c> column names it.</summary>
    public static SignatureRowStatus StatusOf(TableEntity row) =>
        row.GetString(SignatureColumns.Status) is { } name && Enum.TryParse<SignatureRowStatus>(name, ignoreCase: true, out var status) ? status : SignatureRowStatus.Counted;

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

            DateTimeOffset? unlistedAt = null;
            var replace = change.ErasePersonalData || change.Clear.Count > 0;
            var entity = change.ErasePersonalData ? Tombstone(row.Entity)
                : change.Clear.Count > 0 ? CopyWithout(row.Entity, change.Clear) : new TableEntity(pk, rowKey);
            entity[SignatureColumns.Status] = StatusName(change.To);
            foreach (var (key, value) in change.Set) entity[key] = value;
            var actions = new List<TableTransactionAction>(3)
            {
                new(replace ? TableTransactionActionType.UpdateReplace : TableTransactionActionType.UpdateMerge, entity, row.Entity.ETag),
            };
            var delta = (change.To == SignatureRowStatus.Counted ? 1 : 0) - (row.Status == SignatureRowStatus.Counted ? 1 : 0);
            if (delta > 0)
            {
                // Counted now (confirmed, released): it joins the delivery index at this moment, in this transaction,
                // so the next delivery window holds it exactly once.
                var countedAt = clock.GetUtcNow();
                var key = IndexRowKeyOf(countedAt, rowKey);
                entity[SignatureColumns.IndexRow] = key;
                actions.Add(new TableTransactionAction(TableTransactionActionType.Add,
                    IndexedSigner.ToIndexEntity(pk, key, countedAt, [row.ToIndexedSigner(countedAt)], [new SignerRef(rowKey, row.OptIn ? row.Email : null, row.Sources)])));
            }
            else if ((delta < 0 || change.ErasePersonalData) && row.IndexRow is { } indexKey)
            {
                // Out of the count, or erased: out of the delivery index too, in the same transaction, so no later delivery
                // lists the signer and no index row keeps their name or comment.
                entity.Remove(SignatureColumns.IndexRow);
                var index = await _table.GetEntityIfExistsAsync<TableEntity>(pk, indexKey, cancellationToken: ct).ConfigureAwait(false);
                if (index.HasValue && WithoutSigner(index.Value!, row) is { } rewritten)
                {
                    unlistedAt = index.Value!.GetDateTimeOffset(IndexedSigner.CountedAtProperty);
                    actions.Add(rewritten.Signers.Count == 0
                        ? new TableTransactionAction(TableTransactionActionType.Delete, index.Value!, index.Value!.ETag)
                        : new TableTransactionAction(TableTransactionActionType.UpdateReplace,
                            IndexedSigner.ToIndexEntity(pk, indexKey, index.Value!.GetDateTimeOffset(IndexedSigner.CountedAtProperty) ?? clock.GetUtcNow(),
                                rewritten.Signers, rewritten.Refs),
                            index.Value!.ETag));
                }
                // A counted signer who is removed leaves a removal row in the same transaction: webhooks tell the organizer's copy.
                if (change.To == SignatureRowStatus.Removed) actions.Add(new TableTransactionAction(TableTransactionActionType.Add, RemovalRowOf(pk, rowKey, clock.GetUtcNow())));
            }
            // The series bucket: the moment it is counted now, or the one it was counted at (its index key holds it).
            var countedAtOf = CountedAtOf(delta > 0 ? entity.GetString(SignatureColumns.IndexRow) : row.IndexRow) ?? row.SignedAt ?? clock.GetUtcNow();
            if (delta != 0) actions.Add(await MoveCounterAsync(pk, row.State ?? "", delta, new SeriesPoint(countedAtOf, row.PostalCode), ct).ConfigureAwait(false));
            actions.AddRange(await MoveSourcesAsync(pk, row.Entity, delta, ct).ConfigureAwait(false));
            try
            {
                await _table.SubmitTransactionAsync(actions, ct).ConfigureAwait(false);
                if (delta != 0) _counters.TryRemove(pk, out _);
                logger.LogInformation("Signature {RowKey} of {PartitionKey} moved from {From} to {To}", rowKey, pk, row.Status, change.To);
                return new TransitionResult(TransitionOutcome.Changed, row.Status, change.To)
                {
                    UnlistedCountedAt = unlistedAt,
                    UnlistedState = unlistedAt is null ? null : row.State,
                };
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412 && attempt < MaxConflictRetries)
            {
                _counters.TryRemove(pk, out _);
                await Task.Delay(Random.Shared.Next(5, 20 * (attempt + 1)), ct).ConfigureAwait(false);
            }
        }
    }

    private static TableEntity Tombstone(TableEntity row) => CopyWithout(row, PersonalProperties);

    private static TableEntity CopyWithout(TableEntity row, IReadOnlyList<string> columns)
    {
        var copy = new TableEntity(row.PartitionKey, row.RowKey);
        foreach (var (key, value) in row)
            if (!columns.Contains(key) && key is not ("odata.etag" or "PartitionKey" or "RowKey" or "Timestamp")) copy[key] = value;
        return copy;
    }

    /// <summary>
    /// Removes a signature (signer's link, erasure request): it leaves the count exactly, its personal data is deleted,
    /// and a tombstone keeps its state, time, status and reason, so the count history stays explainable. Its unsent
    /// emails go too, every one (the confirmation, re-sent links, "already signed" notes): each outbox row holds the address;
    /// and so do replacements waiting for it.
    /// </summary>
    public async Task<TransitionResult> RemoveAsync(string petitionId, int shard, string rowKey, string reason, DateTimeOffset at, CancellationToken ct)
    {
        string? receipt = null;
        var result = await TransitionAsync(petitionId, shard, rowKey, row =>
        {
            receipt = row.ReceiptId;
            return row.Status == SignatureRowStatus.Removed ? null : RowChange.Remove(row.Status, reason, at);
        }, ct).ConfigureAwait(false);
        if (result.Outcome == TransitionOutcome.Changed)
            await foreach (var outbox in ListOutboxAsync(petitionId, shard, ct).ConfigureAwait(false))
                if (outbox.SignatureRowKey == rowKey || (receipt is not null && outbox.ReceiptId == receipt))
                    await DeleteOutboxAsync(petitionId, shard, outbox, ct).ConfigureAwait(false);
        if (result.Outcome != TransitionOutcome.NotFound) await DropReplacementsAsync(petitionId, shard, rowKey, ct).ConfigureAwait(false);
        return result;
    }
}
