using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using SignaturePipeline.Storage;

namespace SignaturePipeline.Updates;

public enum UpdateStatus { Sending, Sent }

/// <summary>A recorded update: what was said, to whom (its kind), and where its fan-out stands.</summary>
public sealed record UpdateRecord(
    string PetitionId,
    string UpdateId,
    ValidUpdate Content,
    DateTimeOffset PublishedAt,
    int Shards,
    long Planned,
    UpdateStatus Status,
    DateTimeOffset? SentAt,
    ETag ETag)
{
    public UpdateKind Kind => Content.Kind;
}

/// <summary>One shard's fan-out of one update: how far it got (the page position), what it counted, and who holds it now.</summary>
public sealed record FanOutProgress(
    string PetitionId,
    string UpdateId,
    int Shard,
    string? Position,
    bool Done,
    long Recipients,
    long Sent,
    long Failed,
    long Suppressed,
    string? ClaimedBy,
    DateTimeOffset? ClaimedUntil,
    ETag ETag)
{
    public bool IsClaimedByOther(string run, DateTimeOffset now) => ClaimedUntil > now && ClaimedBy != run;
}

public enum RecipientState { Pending, Sent, Failed }

/// <summary>One signer's email of one update. The key is the signature row's key (a keyed hash): no address is stored here.</summary>
public sealed record RecipientRecord(string RowKey, RecipientState State, int Attempts, ETag ETag);

/// <summary>
/// Table <c>updates</c>; this class is its one writer.
/// <list type="bullet">
/// <item>PartitionKey = petition id. RowKey <c>u_{updateId}</c>: the update (kind, texts, response, status). The update id
/// is the inverted publication time in hex plus a random suffix, so a partition query lists the newest first.</item>
/// <item>Same partition, RowKey <c>p_{updateId}_{shard:00}</c>: one shard's fan-out progress (page position, counters, lease).
/// Recorded in the same transaction as the update, before any email is sent; counters change only together with the
/// position they count up to, under the row's ETag, so a page is counted once however often it is retried.</item>
/// <item>Same partition, RowKey <c>cap</c>: when the recent updates of kind <c>update</c> were published; written in the same
/// transaction as each such update under its ETag, so two organizers publishing at once cannot both pass the weekly cap.</item>
/// <item>PartitionKey <c>{petitionId}_{updateId}_{shard:00}</c>, RowKey = the signature row key: one recipient's email
/// (pending, sent, failed). Inserted before the email is sent; a second insert fails with 409, so a retried page, an
/// overlapping run or a redelivered message finds the record and never sends twice.</item>
/// </list>
/// </summary>
public sealed class UpdateStore(TableServiceClient tables)
{
    public const string UpdatePrefix = "u_";
    public const string ProgressPrefix = "p_";
    public const string CapRowKey = "cap";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly TableClient _table = tables.GetTableClient(TableNames.Updates);

    public static string NewUpdateId(DateTimeOffset now) =>
        (DateTimeOffset.MaxValue.UtcTicks - now.UtcTicks).ToString("x16", CultureInfo.InvariantCulture) + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2));

    public static bool IsUpdateId(string? id) => id is { Length: 20 } && id.All(char.IsAsciiHexDigitLower);

    private static string ProgressKey(string updateId, int shard) => $"{ProgressPrefix}{updateId}_{shard:D2}";

    private static string RecipientPartition(string petitionId, string updateId, int shard) => $"{petitionId}_{updateId}_{shard:D2}";

    /// <summary>When the updates of kind <c>update</c> still inside the cap's window were published, and the cap row's ETag (null: none yet).</summary>
    public async Task<(IReadOnlyList<DateTimeOffset> Times, ETag? ETag)> ReadCapAsync(string petitionId, CancellationToken ct)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(petitionId, CapRowKey, cancellationToken: ct).ConfigureAwait(false);
        if (!row.HasValue) return ([], null);
        var times = JsonSerializer.Deserialize<List<DateTimeOffset>>(row.Value!.GetString("Published") ?? "[]", Json) ?? [];
        return (times, row.Value.ETag);
    }

    /// <summary>
    /// Records the update and one progress row per shard in one transaction, with the cap row when <paramref name="cap"/>
    /// is given (written under the ETag it was read with). False when the cap changed since it was read: read it again.
    /// </summary>
    public async Task<bool> RecordAsync(UpdateRecord update, (IReadOnlyList<DateTimeOffset> Times, ETag? ETag)? cap, CancellationToken ct)
    {
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Add, ToEntity(update)) };
        for (var shard = 0; shard < update.Shards; shard++)
            actions.Add(new(TableTransactionActionType.Add, ToEntity(new FanOutProgress(update.PetitionId, update.UpdateId, shard, null, false, 0, 0, 0, 0, null, null, default))));
        if (cap is { } c)
        {
            var entity = new TableEntity(update.PetitionId, CapRowKey) { ["Published"] = JsonSerializer.Serialize(c.Times, Json) };
            actions.Add(c.ETag is { } etag
                ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, etag)
                : new TableTransactionAction(TableTransactionActionType.Add, entity));
        }
        try
        {
            await _table.SubmitTransactionAsync(actions, ct).ConfigureAwait(false);
            return true;
        }
        catch (TableTransactionFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }

    public async Task<UpdateRecord?> GetAsync(string petitionId, string updateId, CancellationToken ct)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(petitionId, UpdatePrefix + updateId, cancellationToken: ct).ConfigureAwait(false);
        return row.HasValue ? FromEntity(row.Value!) : null;
    }

    /// <summary>A petition's updates, newest first (their keys sort that way): one partition range query.</summary>
    public async Task<IReadOnlyList<UpdateRecord>> ListAsync(string petitionId, int max, CancellationToken ct)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {petitionId} and RowKey ge {UpdatePrefix} and RowKey lt {"u`"}");
        var list = new List<UpdateRecord>();
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(max, 1000), cancellationToken: ct).ConfigureAwait(false))
        {
            list.Add(FromEntity(row));
            if (list.Count >= max) break;
        }
        return list;
    }

    /// <summary>Marks the update sent, under the ETag it was read with. Null when it changed (another run marked it first).</summary>
    public async Task<UpdateRecord?> TryMarkSentAsync(UpdateRecord update, DateTimeOffset at, CancellationToken ct)
    {
        var sent = update with { Status = UpdateStatus.Sent, SentAt = at };
        try
        {
            var response = await _table.UpdateEntityAsync(ToEntity(sent), update.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
            return sent with { ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return null;
        }
    }

    public async Task<FanOutProgress?> GetProgressAsync(string petitionId, string updateId, int shard, CancellationToken ct)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(petitionId, ProgressKey(updateId, shard), cancellationToken: ct).ConfigureAwait(false);
        return row.HasValue ? ProgressFrom(row.Value!) : null;
    }

    public async Task<IReadOnlyList<FanOutProgress>> ListProgressAsync(string petitionId, string updateId, CancellationToken ct)
    {
        var prefix = $"{ProgressPrefix}{updateId}_";
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {petitionId} and RowKey ge {prefix} and RowKey lt {prefix + "~"}");
        var list = new List<FanOutProgress>();
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, cancellationToken: ct).ConfigureAwait(false))
            list.Add(ProgressFrom(row));
        return list;
    }

    /// <summary>Writes the progress row as given, under the ETag it was read with. Null when it changed since (another run holds it now).</summary>
    public async Task<FanOutProgress?> TryWriteProgressAsync(FanOutProgress progress, CancellationToken ct)
    {
        try
        {
            var response = await _table.UpdateEntityAsync(ToEntity(progress), progress.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
            return progress with { ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return null;
        }
    }

    /// <summary>
    /// Records these recipients as pending, all in one transaction. False when one of them is recorded already (a retried
    /// page): then <see cref="ListRecipientsAsync"/> says which, and <see cref="TryAddRecipientAsync"/> adds the rest one by one.
    /// </summary>
    public async Task<bool> TryAddRecipientsAsync(string petitionId, string updateId, int shard, IReadOnlyList<string> rowKeys, CancellationToken ct)
    {
        if (rowKeys.Count == 0) return true;
        var partition = RecipientPartition(petitionId, updateId, shard);
        try
        {
            await _table.SubmitTransactionAsync(rowKeys.Select(k => new TableTransactionAction(TableTransactionActionType.Add, RecipientEntity(partition, k, RecipientState.Pending, 0))), ct).ConfigureAwait(false);
            return true;
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    public async Task<bool> TryAddRecipientAsync(string petitionId, string updateId, int shard, string rowKey, CancellationToken ct)
    {
        try
        {
            await _table.AddEntityAsync(RecipientEntity(RecipientPartition(petitionId, updateId, shard), rowKey, RecipientState.Pending, 0), ct).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    /// <summary>The recipient records between two signature keys (inclusive): one page's worth, one partition range query.</summary>
    public async Task<IReadOnlyDictionary<string, RecipientRecord>> ListRecipientsAsync(string petitionId, string updateId, int shard, string first, string last, CancellationToken ct)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {RecipientPartition(petitionId, updateId, shard)} and RowKey ge {first} and RowKey le {last}");
        var found = new Dictionary<string, RecipientRecord>(StringComparer.Ordinal);
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, cancellationToken: ct).ConfigureAwait(false))
            found[row.RowKey] = RecipientFrom(row);
        return found;
    }

    /// <summary>Writes the recipients' new states in one transaction (at most 100, one page).</summary>
    public async Task MarkRecipientsAsync(string petitionId, string updateId, int shard, IReadOnlyList<RecipientRecord> records, CancellationToken ct)
    {
        if (records.Count == 0) return;
        var partition = RecipientPartition(petitionId, updateId, shard);
        await _table.SubmitTransactionAsync(records.Select(r =>
            new TableTransactionAction(TableTransactionActionType.UpdateMerge, RecipientEntity(partition, r.RowKey, r.State, r.Attempts), ETag.All)), ct).ConfigureAwait(false);
    }

    private static TableEntity RecipientEntity(string partition, string rowKey, RecipientState state, int attempts) => new(partition, rowKey)
    {
        ["State"] = state.ToString(),
        ["Attempts"] = attempts,
    };

    private static RecipientRecord RecipientFrom(TableEntity e) =>
        new(e.RowKey, Enum.TryParse<RecipientState>(e.GetString("State"), out var s) ? s : RecipientState.Pending, e.GetInt32("Attempts") ?? 0, e.ETag);

    private static TableEntity ToEntity(UpdateRecord u) => new(u.PetitionId, UpdatePrefix + u.UpdateId)
    {
        ["Kind"] = u.Kind.ToString(),
        ["Subject"] = u.Content.Subject,
        // Each text is its own property: a table string holds 32K characters, and a body may take 20,000.
        ["Body"] = u.Content.Body,
        ["SubjectEs"] = u.Content.SubjectEs,
        ["BodyEs"] = u.Content.BodyEs,
        ["Responder"] = u.Content.Responder,
        ["RespondedAt"] = u.Content.RespondedAt,
        ["PublishedAt"] = u.PublishedAt,
        ["Shards"] = u.Shards,
        ["Planned"] = u.Planned,
        ["Status"] = u.Status.ToString(),
        ["SentAt"] = u.SentAt,
    };

    private static UpdateRecord FromEntity(TableEntity e) => new(
        e.PartitionKey,
        e.RowKey[UpdatePrefix.Length..],
        new ValidUpdate(
            Enum.TryParse<UpdateKind>(e.GetString("Kind"), out var kind) ? kind : UpdateKind.Update,
            e.GetString("Subject") ?? "",
            e.GetString("Body") ?? "",
            e.GetString("SubjectEs"),
            e.GetString("BodyEs"),
            e.GetString("Responder"),
            e.GetDateTimeOffset("RespondedAt")),
        e.GetDateTimeOffset("PublishedAt") ?? default,
        e.GetInt32("Shards") ?? 0,
        e.GetInt64("Planned") ?? 0,
        Enum.TryParse<UpdateStatus>(e.GetString("Status"), out var status) ? status : UpdateStatus.Sending,
        e.GetDateTimeOffset("SentAt"),
        e.ETag);

    private static TableEntity ToEntity(FanOutProgress p) => new(p.PetitionId, ProgressKey(p.UpdateId, p.Shard))
    {
        ["Position"] = p.Position,
        ["Done"] = p.Done,
        ["Recipients"] = p.Recipients,
        ["Sent"] = p.Sent,
        ["Failed"] = p.Failed,
        ["Suppressed"] = p.Suppressed,
        ["ClaimedBy"] = p.ClaimedBy,
        ["ClaimedUntil"] = p.ClaimedUntil,
    };

    private static FanOutProgress ProgressFrom(TableEntity e)
    {
        var key = e.RowKey[ProgressPrefix.Length..];
        var split = key.LastIndexOf('_');
        return new FanOutProgress(e.PartitionKey, key[..split], int.Parse(key[(split + 1)..], CultureInfo.InvariantCulture),
            e.GetString("Position"), e.GetBoolean("Done") ?? false,
            e.GetInt64("Recipients") ?? 0, e.GetInt64("Sent") ?? 0, e.GetInt64("Failed") ?? 0, e.GetInt64("Suppressed") ?? 0,
            e.GetString("ClaimedBy"), e.GetDateTimeOffset("ClaimedUntil"), e.ETag);
    }
}
