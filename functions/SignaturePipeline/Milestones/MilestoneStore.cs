using System.Globalization;
using Azure;
using Azure.Data.Tables;
using SignaturePipeline.Storage;

namespace SignaturePipeline.Milestones;

public enum MilestoneState { Pending, Sent, Covered }

/// <summary>One recorded milestone: a fact first, an email second.</summary>
public sealed record MilestoneRecord(
    string PetitionId,
    int Threshold,
    MilestoneState State,
    long CountWhenRecorded,
    DateTimeOffset RecordedAt,
    string? ClaimedBy,
    DateTimeOffset? ClaimedUntil,
    int Attempts,
    int KeyGeneration,
    string? LastError,
    DateTimeOffset? SentAt,
    int? CoveredBy,
    ETag ETag) : ILeasedRecord<MilestoneRecord>
{
    public MilestoneRecord WithLease(string? claimedBy, DateTimeOffset? claimedUntil, int attempts, int keyGeneration, string? lastError) =>
        this with { ClaimedBy = claimedBy, ClaimedUntil = claimedUntil, Attempts = attempts, KeyGeneration = keyGeneration, LastError = lastError };

    public string Describe() => $"milestone {Threshold} of {PetitionId}";

    /// <summary>The record once its email went out: sent, and let go.</summary>
    public MilestoneRecord AsSent(DateTimeOffset now) => this with { State = MilestoneState.Sent, SentAt = now, ClaimedBy = null, ClaimedUntil = null, LastError = null };
}

public sealed record CountSnapshot(long Total, DateTimeOffset TakenAt);

/// <summary>
/// Table <c>milestones</c>, one partition per petition (PartitionKey = petition id), so everything a run
/// needs about a petition is one partition and a petition's rows never contend with another's.
/// <list type="bullet">
/// <item>RowKey <c>m_{threshold:D10}</c>: a crossed milestone. Zero-padded so rows sort by threshold. Inserted with
/// AddEntity before any email is sent: the 409 of a second insert, not a lookup, says it is already recorded.
/// <c>State</c> goes Pending → Sent (its email went out) or Pending → Covered (a higher milestone's email included it).
/// A run claims a pending row by an ETag-guarded write of <c>ClaimedBy</c>/<c>ClaimedUntil</c>; a 412 means another
/// run holds it. A crashed run's claim simply expires.</item>
/// <item>RowKey <c>snap_{yyyyMMddHH}</c>: the petition's total at the first run of that UTC hour, so "signed in the
/// last 24 hours" is one subtraction, not a scan of the signatures.</item>
/// </list>
/// </summary>
public sealed class MilestoneStore(TableServiceClient tables)
{
    public const string MilestonePrefix = "m_";
    public const string SnapshotPrefix = "snap_";

    private readonly TableClient _table = tables.GetTableClient(TableNames.Milestones);

    public static string RowKeyOf(int threshold) => MilestonePrefix + threshold.ToString("D10", CultureInfo.InvariantCulture);

    public static string SnapshotRowKeyOf(DateTimeOffset hour) => SnapshotPrefix + hour.UtcDateTime.ToString("yyyyMMddHH", CultureInfo.InvariantCulture);

    /// <summary>Records the milestone as crossed. False when it was already recorded (by this run's predecessor or a parallel run).</summary>
    public async Task<bool> RecordAsync(string petitionId, int threshold, long count, DateTimeOffset now, CancellationToken ct)
    {
        var entity = new TableEntity(petitionId, RowKeyOf(threshold))
        {
            ["Threshold"] = threshold,
            ["State"] = nameof(MilestoneState.Pending),
            ["CountWhenRecorded"] = count,
            ["RecordedAt"] = now,
            ["Attempts"] = 0,
            ["KeyGeneration"] = 0,
        };
        try
        {
            await _table.AddEntityAsync(entity, ct).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<MilestoneRecord>> ListAsync(string petitionId, CancellationToken ct)
    {
        // '`' is the character after '_', so this range is exactly the m_ rows: never the snapshots.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {petitionId} and RowKey ge {MilestonePrefix} and RowKey lt {"m`"}");
        var list = new List<MilestoneRecord>();
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: ct).ConfigureAwait(false))
            list.Add(FromEntity(entity));
        return list;
    }

    /// <summary>Takes the row for this run until <paramref name="until"/>. Null when another run changed it first (412).</summary>
    public Task<MilestoneRecord?> TryClaimAsync(MilestoneRecord record, string owner, DateTimeOffset until, CancellationToken ct) =>
        TryReplaceAsync(record.Claimed(owner, until), record.ETag, ct);

    /// <summary>Writes the record as given, guarded by its ETag. Null when another run changed it first (412).</summary>
    public Task<MilestoneRecord?> TryUpdateAsync(MilestoneRecord record, CancellationToken ct) => TryReplaceAsync(record, record.ETag, ct);

    /// <summary>Gives the row back for the next run (see <see cref="LeasedRecords.Released"/>). Null when another run changed it first.</summary>
    public Task<MilestoneRecord?> TryReleaseAsync(MilestoneRecord claimed, string? error, bool newKey, CancellationToken ct) =>
        TryReplaceAsync(claimed.Released(error, newKey), claimed.ETag, ct);

    public Task<MilestoneRecord?> TryCoverAsync(MilestoneRecord record, int coveredBy, CancellationToken ct) =>
        TryReplaceAsync(record with { State = MilestoneState.Covered, CoveredBy = coveredBy, ClaimedBy = null, ClaimedUntil = null }, record.ETag, ct);

    /// <summary>The first snapshot of this hour wins; later runs in the hour get a 409 and leave it.</summary>
    public async Task<bool> WriteSnapshotAsync(string petitionId, long total, DateTimeOffset now, CancellationToken ct)
    {
        try
        {
            await _table.AddEntityAsync(new TableEntity(petitionId, SnapshotRowKeyOf(now)) { ["Total"] = total, ["TakenAt"] = now }, ct).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    /// <summary>
    /// The oldest snapshot from the hour of <paramref name="since"/> on: with a timer every few minutes, one taken
    /// between about 23 and 25 hours before <paramref name="now"/>. One query, one row; the caller states its real time.
    /// </summary>
    public async Task<CountSnapshot?> OldestSnapshotSinceAsync(string petitionId, DateTimeOffset since, DateTimeOffset now, CancellationToken ct)
    {
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {petitionId} and RowKey ge {SnapshotRowKeyOf(since)} and RowKey le {SnapshotRowKeyOf(now)}");
        await foreach (var page in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1, cancellationToken: ct).AsPages().ConfigureAwait(false))
        {
            var row = page.Values.Count > 0 ? page.Values[0] : null;
            if (row is not null) return new CountSnapshot(row.GetInt64("Total") ?? 0, row.GetDateTimeOffset("TakenAt") ?? since);
            if (page.ContinuationToken is null) break;
        }
        return null;
    }

    private async Task<MilestoneRecord?> TryReplaceAsync(MilestoneRecord updated, ETag ifMatch, CancellationToken ct)
    {
        try
        {
            var response = await _table.UpdateEntityAsync(ToEntity(updated), ifMatch, TableUpdateMode.Replace, ct).ConfigureAwait(false);
            return updated with { ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return null;
        }
    }

    private static TableEntity ToEntity(MilestoneRecord r) => new(r.PetitionId, RowKeyOf(r.Threshold))
    {
        ["Threshold"] = r.Threshold,
        ["State"] = r.State.ToString(),
        ["CountWhenRecorded"] = r.CountWhenRecorded,
        ["RecordedAt"] = r.RecordedAt,
        ["ClaimedBy"] = r.ClaimedBy,
        ["ClaimedUntil"] = r.ClaimedUntil,
        ["Attempts"] = r.Attempts,
        ["KeyGeneration"] = r.KeyGeneration,
        ["LastError"] = r.LastError,
        ["SentAt"] = r.SentAt,
        ["CoveredBy"] = r.CoveredBy,
    };

    private static MilestoneRecord FromEntity(TableEntity e) => new(
        e.PartitionKey,
        e.GetInt32("Threshold") ?? int.Parse(e.RowKey[MilestonePrefix.Length..], CultureInfo.InvariantCulture),
        Enum.TryParse<MilestoneState>(e.GetString("State"), out var state) ? state : MilestoneState.Pending,
        e.GetInt64("CountWhenRecorded") ?? 0,
        e.GetDateTimeOffset("RecordedAt") ?? default,
        e.GetString("ClaimedBy"),
        e.GetDateTimeOffset("ClaimedUntil"),
        e.GetInt32("Attempts") ?? 0,
        e.GetInt32("KeyGeneration") ?? 0,
        e.GetString("LastError"),
        e.GetDateTimeOffset("SentAt"),
        e.GetInt32("CoveredBy"),
        e.ETag);
}
