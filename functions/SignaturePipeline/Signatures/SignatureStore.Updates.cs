using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace SignaturePipeline.Signatures;

/// <summary>A counted signer an update may go to: only what the email needs, and whether they unsubscribed.</summary>
public sealed record UpdateRecipient(string RowKey, string? Email, string? FirstName, string? Lang, bool Unsubscribed);

/// <summary>One page of a shard's recipients and where the next page starts (null: the shard is done).</summary>
public sealed record RecipientPage(IReadOnlyList<UpdateRecipient> Rows, string? Next);

/// <summary>
/// What updates to signers need from signature rows: a page of counted signers of one shard (a partition range query,
/// filtered by the store, reading five columns), and the unsubscribe mark on a row, which keeps the signature counted.
/// </summary>
public sealed partial class SignatureStore
{
    private static readonly string[] RecipientColumns =
        ["RowKey", SignatureColumns.Email, SignatureColumns.FirstName, SignatureColumns.Lang, SignatureColumns.UnsubscribedAt];

    /// <summary>
    /// The next server page of counted signers (and only those who opted in, when <paramref name="optedInOnly"/>) in one
    /// shard, from <paramref name="position"/> (null: the start). Held, pending, invalidated and removed rows never match the
    /// filter; an erased or anonymised row comes back without an email. The position is the service's own continuation
    /// token, so a resumed fan-out starts exactly where the last recorded page ended.
    /// </summary>
    public async Task<RecipientPage> ReadRecipientPageAsync(string petitionId, int shard, string? position, bool optedInOnly, int pageSize, CancellationToken ct)
    {
        var filter = SignatureRowsOf(PartitionKeyOf(petitionId, shard)) + " and "
            + (optedInOnly
                ? TableClient.CreateQueryFilter($"Status eq {StatusName(SignatureRowStatus.Counted)} and OptIn eq {true}")
                : TableClient.CreateQueryFilter($"Status eq {StatusName(SignatureRowStatus.Counted)}"));
        await foreach (var page in _table.QueryAsync<TableEntity>(filter, maxPerPage: pageSize, select: RecipientColumns, cancellationToken: ct)
                           .AsPages(string.IsNullOrEmpty(position) ? null : position, pageSize).ConfigureAwait(false))
        {
            var rows = page.Values.Select(e => new UpdateRecipient(e.RowKey, e.GetString(SignatureColumns.Email), e.GetString(SignatureColumns.FirstName),
                SignerLanguage.Normalize(e.GetString(SignatureColumns.Lang)), e.GetDateTimeOffset(SignatureColumns.UnsubscribedAt) is not null)).ToList();
            return new RecipientPage(rows, string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken);
        }
        return new RecipientPage([], null);
    }

    /// <summary>
    /// Marks the signer as unsubscribed from updates (a merge of one column: status, counters and index stay as they are).
    /// False when there is no such signature row. Unsubscribing again keeps the first time.
    /// </summary>
    public async Task<bool> UnsubscribeAsync(string petitionId, int shard, string rowKey, DateTimeOffset at, CancellationToken ct)
    {
        if (!rowKey.StartsWith(SignatureRowPrefix, StringComparison.Ordinal)) return false;
        for (var attempt = 0; ; attempt++)
        {
            var row = await GetRowAsync(petitionId, shard, rowKey, ct).ConfigureAwait(false);
            if (row is null) return false;
            if (IsUnsubscribed(row)) return true;
            try
            {
                // Guarded by the ETag it was read with: a concurrent transition re-reads and keeps this column, never loses it.
                await _table.UpdateEntityAsync(new TableEntity(row.Entity.PartitionKey, rowKey) { [SignatureColumns.UnsubscribedAt] = at },
                    row.Entity.ETag, TableUpdateMode.Merge, ct).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException e) when (e.Status == 412 && attempt < MaxConflictRetries)
            {
                logger.LogDebug("Unsubscribe of a row in {PetitionId} met a concurrent change; reading it again", petitionId);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return false;
            }
        }
    }

    /// <summary>Whether the signer of this row unsubscribed from updates.</summary>
    public static bool IsUnsubscribed(SignatureRow row) => row.Entity.GetDateTimeOffset(SignatureColumns.UnsubscribedAt) is not null;
}
