using System.Globalization;
using Azure;
using Azure.Data.Tables;
using SignaturePipeline.Petitions;
using SignaturePipeline.Storage;

namespace SignaturePipeline.Deliveries;

public enum DeliveryState { Recorded, Compiled, Sent }

/// <summary>Where a target's deliveries stand: the next window starts at <see cref="WatermarkTicks"/>.</summary>
public sealed record DeliveryCursor(string PetitionId, string TargetId, long WatermarkTicks, long CumulativeCount, IReadOnlyDictionary<string, long> CumulativeBreakdown, string? LastWeek, ETag ETag);

/// <summary>
/// One delivery: a fact first (its window and totals, recorded with the watermark it advances), files second, emails last.
/// The target is kept as it was when recorded, so a later edit of the petition cannot change what this delivery was.
/// </summary>
public sealed record DeliveryRecord(
    string PetitionId,
    string TargetId,
    string Week,
    TargetKind TargetKind,
    string TargetName,
    string TargetEmail,
    string? TargetState,
    long FromTicks,
    long ToTicks,
    long Count,
    long CumulativeCount,
    IReadOnlyDictionary<string, long> Breakdown,
    IReadOnlyDictionary<string, long> CumulativeBreakdown,
    DeliveryState State,
    DateTimeOffset RecordedAt,
    string? SignersSha256,
    string? Manifest,
    string? Highlights,
    DateTimeOffset? TargetSentAt,
    DateTimeOffset? OrganizersSentAt,
    string? ClaimedBy,
    DateTimeOffset? ClaimedUntil,
    int Attempts,
    int KeyGeneration,
    string? LastError,
    ETag ETag) : ILeasedRecord<DeliveryRecord>
{
    public PetitionTarget Target => new(TargetKind, TargetName, TargetEmail, TargetState) { Names = TargetNames };

    /// <summary>Whether the target takes a list of names, as it was when the delivery was recorded.</summary>
    public TargetNames TargetNames { get; init; }

    /// <summary>Of <see cref="Count"/>, the signers who asked not to be named: counted in the totals, listed nowhere.</summary>
    public long Unnamed { get; init; }

    /// <summary>Whether the files and emails carry a signer list at all.</summary>
    public bool ListsNames => TargetNames == TargetNames.All;

    /// <summary>
    /// Signers of this window erased since it was recorded: its files list <see cref="Count"/> minus these. The counts stay
    /// as recorded, since that is what was (or will be) delivered; the list no longer names the erased.
    /// </summary>
    public long Erased { get; init; }

    public DeliveryRecord WithLease(string? claimedBy, DateTimeOffset? claimedUntil, int attempts, int keyGeneration, string? lastError) =>
        this with { ClaimedBy = claimedBy, ClaimedUntil = claimedUntil, Attempts = attempts, KeyGeneration = keyGeneration, LastError = lastError };

    public string Describe() => $"the delivery of {PetitionId} to {TargetId} for {Week}";

    public DateTimeOffset From => new(FromTicks, TimeSpan.Zero);

    public DateTimeOffset To => new(ToTicks, TimeSpan.Zero);
}

/// <summary>
/// Table <c>deliveries</c>, one partition per petition (PartitionKey = petition id), so a delivery and the watermark it
/// advances can change in one entity-group transaction.
/// <list type="bullet">
/// <item>RowKey <c>c_{targetId}</c>: the target's cursor: <c>WatermarkTicks</c> (where the next window starts, as the
/// signatures' commit time), the cumulative count and breakdown delivered so far, and the last week delivered.</item>
/// <item>RowKey <c>d_{targetId}_{isoWeek}</c> (e.g. <c>d_governor-ny_2026-W48</c>): one delivery. Inserted with AddEntity,
/// in the same transaction that moves the cursor (ETag-guarded) to the end of its window: a second run of the same week gets
/// 409, a run that read a stale cursor gets 412, and the watermark can never move without a recorded delivery, nor a
/// delivery be recorded without moving it. Its window, counts and target are fixed from then on, so compiling it again
/// after a crash yields the same list. <c>State</c> goes Recorded → Compiled (files and manifest in blob storage) →
/// Sent (both emails). A run claims it with an ETag-guarded write of <c>ClaimedBy</c>/<c>ClaimedUntil</c>, as milestones do.
/// Target ids are slugs (no '_'), so <c>d_{targetId}_</c> is a prefix of exactly that target's rows.</item>
/// </list>
/// </summary>
public sealed class DeliveryStore(TableServiceClient tables)
{
    public const string CursorPrefix = "c_";
    public const string DeliveryPrefix = "d_";

    private readonly TableClient _table = tables.GetTableClient(TableNames.Deliveries);

    public static string CursorKeyOf(string targetId) => CursorPrefix + targetId;

    public static string RowKeyOf(string targetId, string week) => $"{DeliveryPrefix}{targetId}_{week}";

    /// <summary>"2026-W48": ISO 8601 week-numbering year and week; sorts as text in time order.</summary>
    public static string IsoWeekOf(DateTimeOffset at)
    {
        var date = at.UtcDateTime;
        return string.Create(CultureInfo.InvariantCulture, $"{ISOWeek.GetYear(date):D4}-W{ISOWeek.GetWeekOfYear(date):D2}");
    }

    public async Task<DeliveryCursor?> GetCursorAsync(string petitionId, string targetId, CancellationToken ct)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(petitionId, CursorKeyOf(targetId), cancellationToken: ct).ConfigureAwait(false);
        if (!row.HasValue) return null;
        var e = row.Value!;
        return new DeliveryCursor(petitionId, targetId, e.GetInt64("WatermarkTicks") ?? 0, e.GetInt64("CumulativeCount") ?? 0,
            Breakdowns.Parse(e.GetString("CumulativeBreakdown")), e.GetString("LastWeek"), e.ETag);
    }

    /// <summary>A petition's deliveries (or one target's), oldest week first within each target.</summary>
    public async Task<IReadOnlyList<DeliveryRecord>> ListAsync(string petitionId, string? targetId, CancellationToken ct)
    {
        var from = targetId is null ? DeliveryPrefix : RowKeyOf(targetId, "");
        // '`' follows '_': the range is exactly the rows that start with the prefix.
        var to = from[..^1] + "`";
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {petitionId} and RowKey ge {from} and RowKey lt {to}");
        var list = new List<DeliveryRecord>();
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: ct).ConfigureAwait(false))
            list.Add(FromEntity(entity));
        return list;
    }

    /// <summary>
    /// Records this week's delivery for the window [cursor, <paramref name="toTicks"/>) and moves the cursor to its end, in one
    /// transaction. Null when another run got there first (this week already recorded, or the cursor moved): re-read and decide again.
    /// </summary>
    public async Task<DeliveryRecord?> TryRecordAsync(string petitionId, PetitionTarget target, string week, DeliveryCursor? cursor,
        long toTicks, WindowTally tally, DateTimeOffset now, CancellationToken ct)
    {
        var cumulative = new Dictionary<string, long>(cursor?.CumulativeBreakdown ?? new Dictionary<string, long>(), StringComparer.Ordinal);
        foreach (var (key, n) in tally.Breakdown) cumulative[key] = cumulative.GetValueOrDefault(key) + n;
        var record = new DeliveryRecord(petitionId, target.Id, week, target.Kind, target.Name, target.Email, target.State,
            cursor?.WatermarkTicks ?? 0, toTicks, tally.Count, (cursor?.CumulativeCount ?? 0) + tally.Count, tally.Breakdown, cumulative,
            DeliveryState.Recorded, now, null, null, null, null, null, null, null, 0, 0, null, default)
        { TargetNames = target.Names, Unnamed = tally.Unnamed };
        var cursorRow = new TableEntity(petitionId, CursorKeyOf(target.Id))
        {
            ["WatermarkTicks"] = toTicks,
            ["Watermark"] = new DateTimeOffset(toTicks, TimeSpan.Zero),
            ["CumulativeCount"] = record.CumulativeCount,
            ["CumulativeBreakdown"] = Breakdowns.Format(cumulative),
            ["LastWeek"] = week,
        };
        TableTransactionAction[] actions =
        [
            new(TableTransactionActionType.Add, ToEntity(record)),
            cursor is null
                ? new(TableTransactionActionType.Add, cursorRow)
                : new(TableTransactionActionType.UpdateReplace, cursorRow, cursor.ETag),
        ];
        try
        {
            var response = await _table.SubmitTransactionAsync(actions, ct).ConfigureAwait(false);
            return record with { ETag = response.Value[0].Headers.ETag ?? default };
        }
        catch (TableTransactionFailedException e) when (e.Status is 409 or 412)
        {
            return null;
        }
    }

    /// <summary>Takes the delivery for this run until <paramref name="until"/>. Null when another run changed it first.</summary>
    public Task<DeliveryRecord?> TryClaimAsync(DeliveryRecord record, string owner, DateTimeOffset until, CancellationToken ct) =>
        TryReplaceAsync(record.Claimed(owner, until), ct);

    /// <summary>
    /// Rewrites a delivery outside any claim (an erasure taking a signer out of its list), under the ETag it was read with.
    /// Null when anything changed it meanwhile: re-read and decide again.
    /// </summary>
    public Task<DeliveryRecord?> TryRewriteAsync(DeliveryRecord updated, CancellationToken ct) => TryReplaceAsync(updated, ct);

    /// <summary>Saves progress under the claim (compiled, one email sent). Null if the claim was lost meanwhile.</summary>
    public Task<DeliveryRecord?> TryUpdateAsync(DeliveryRecord claimed, CancellationToken ct) => TryReplaceAsync(claimed, ct);

    /// <summary>Gives the delivery back for the next run (see <see cref="LeasedRecords.Released"/>). Null when another run changed it first.</summary>
    public Task<DeliveryRecord?> TryReleaseAsync(DeliveryRecord claimed, string? error, bool newKey, CancellationToken ct) =>
        TryReplaceAsync(claimed.Released(error, newKey), ct);

    private async Task<DeliveryRecord?> TryReplaceAsync(DeliveryRecord updated, CancellationToken ct)
    {
        try
        {
            var response = await _table.UpdateEntityAsync(ToEntity(updated), updated.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
            return updated with { ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return null;
        }
    }

    private static TableEntity ToEntity(DeliveryRecord r) => new(r.PetitionId, RowKeyOf(r.TargetId, r.Week))
    {
        ["TargetId"] = r.TargetId,
        ["Week"] = r.Week,
        ["TargetKind"] = r.TargetKind.ToString(),
        ["TargetName"] = r.TargetName,
        ["TargetEmail"] = r.TargetEmail,
        ["TargetState"] = r.TargetState,
        ["FromTicks"] = r.FromTicks,
        ["ToTicks"] = r.ToTicks,
        // Readable copies of the window for an operator in Storage Explorer; the ticks are what the code reads.
        ["From"] = r.From,
        ["To"] = r.To,
        ["Count"] = r.Count,
        ["CumulativeCount"] = r.CumulativeCount,
        ["Breakdown"] = Breakdowns.Format(r.Breakdown),
        ["CumulativeBreakdown"] = Breakdowns.Format(r.CumulativeBreakdown),
        ["State"] = r.State.ToString(),
        ["RecordedAt"] = r.RecordedAt,
        ["SignersSha256"] = r.SignersSha256,
        ["Manifest"] = r.Manifest,
        ["Highlights"] = r.Highlights,
        ["TargetSentAt"] = r.TargetSentAt,
        ["OrganizersSentAt"] = r.OrganizersSentAt,
        ["ClaimedBy"] = r.ClaimedBy,
        ["ClaimedUntil"] = r.ClaimedUntil,
        ["Attempts"] = r.Attempts,
        ["KeyGeneration"] = r.KeyGeneration,
        ["LastError"] = r.LastError,
        ["Erased"] = r.Erased,
        ["TargetNames"] = r.TargetNames.ToString(),
        ["Unnamed"] = r.Unnamed,
    };

    private static DeliveryRecord FromEntity(TableEntity e) => new(
        e.PartitionKey,
        e.GetString("TargetId") ?? "",
        e.GetString("Week") ?? "",
        Enum.TryParse<TargetKind>(e.GetString("TargetKind"), out var kind) ? kind : TargetKind.Custom,
        e.GetString("TargetName") ?? "",
        e.GetString("TargetEmail") ?? "",
        e.GetString("TargetState"),
        e.GetInt64("FromTicks") ?? 0,
        e.GetInt64("ToTicks") ?? 0,
        e.GetInt64("Count") ?? 0,
        e.GetInt64("CumulativeCount") ?? 0,
        Breakdowns.Parse(e.GetString("Breakdown")),
        Breakdowns.Parse(e.GetString("CumulativeBreakdown")),
        Enum.TryParse<DeliveryState>(e.GetString("State"), out var state) ? state : DeliveryState.Recorded,
        e.GetDateTimeOffset("RecordedAt") ?? default,
        e.GetString("SignersSha256"),
        e.GetString("Manifest"),
        e.GetString("Highlights"),
        e.GetDateTimeOffset("TargetSentAt"),
        e.GetDateTimeOffset("OrganizersSentAt"),
        e.GetString("ClaimedBy"),
        e.GetDateTimeOffset("ClaimedUntil"),
        e.GetInt32("Attempts") ?? 0,
        e.GetInt32("KeyGeneration") ?? 0,
        e.GetString("LastError"),
        e.ETag)
    {
        Erased = e.GetInt64("Erased") ?? 0,
        TargetNames = Enum.TryParse<TargetNames>(e.GetString("TargetNames"), out var names) ? names : TargetNames.All,
        Unnamed = e.GetInt64("Unnamed") ?? 0,
    };
}

/// <summary>A breakdown (state or ZIP3 → count) as one table string: <c>key=count;…</c> in ordinal order.</summary>
internal static class Breakdowns
{
    public static string Format(IReadOnlyDictionary<string, long> breakdown) => string.Join(';',
        breakdown.Where(kv => kv.Value != 0).OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => kv.Key + "=" + kv.Value.ToString(CultureInfo.InvariantCulture)));

    public static IReadOnlyDictionary<string, long> Parse(string? text)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(text)) return result;
        foreach (var part in text.Split(';'))
        {
            var eq = part.LastIndexOf('=');
            if (eq > 0 && long.TryParse(part.AsSpan(eq + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)) result[part[..eq]] = n;
        }
        return result;
    }
}
