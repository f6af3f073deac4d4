using System.Collections.Concurrent;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using SignaturePipeline.Storage;

namespace SignaturePipeline.Petitions;

/// <summary>
/// Petition definitions in table <c>petitions</c>.
/// <list type="bullet">
/// <item>PartitionKey <c>petition</c>: all definitions share one small partition, so listing them is one partition query, never a table scan.</item>
/// <item>RowKey: the petition id (a slug, see <see cref="PetitionIds"/>).</item>
/// </list>
/// Reads go through a short cache: intake serves a viral spike without a table read per request.
/// </summary>
public sealed class PetitionStore(TableServiceClient tables, IOptions<PipelineOptions> options, TimeProvider clock)
{
    internal const string PartitionKey = "petition";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly TableClient _table = tables.GetTableClient(TableNames.Petitions);
    /// <summary>
    /// Most unknown ids remembered at once. Anyone can ask for any id, so misses are bounded in number as well as in time:
    /// past this many, the whole set is dropped (O(1) per request on average, where evicting the oldest would scan).
    /// </summary>
    internal const int MaxCachedMisses = 1024;

    // Petitions that exist, and reads in flight: bounded by the petitions in the table and the requests being served.
    private readonly ConcurrentDictionary<string, Entry> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _misses = new(StringComparer.Ordinal);
    private readonly TimeSpan _ttl = TimeSpan.FromSeconds(options.Value.PetitionCacheSeconds);

    // Lazy: of the readers that find the entry expired at once, only the one that replaces it reads the table; the
    // others wait for that read, so a popular petition's expiry is one read, not one per request in flight.
    private sealed record Entry(Lazy<Task<Petition?>> Read, DateTimeOffset Expires)
    {
        public static Entry Of(Petition petition, DateTimeOffset expires) => new(new Lazy<Task<Petition?>>(Task.FromResult<Petition?>(petition)), expires);

        public bool Serves(DateTimeOffset now)
        {
            var read = Read.Value;
            return !read.IsCompleted || (read.IsCompletedSuccessfully && Expires > now);
        }
    }

    /// <summary>The definition as of at most the cache lifetime ago; null when there is no such petition.</summary>
    public async ValueTask<Petition?> GetAsync(string id, CancellationToken ct)
    {
        if (!PetitionIds.IsValid(id)) return null;
        var now = clock.GetUtcNow();
        if (_misses.TryGetValue(id, out var missExpires) && missExpires > now) return null;
        while (true)
        {
            var found = _cache.TryGetValue(id, out var entry);
            if (found && entry!.Serves(now)) return await entry.Read.Value.WaitAsync(ct).ConfigureAwait(false);
            // The shared read is not cancelled with the request that started it: the others are waiting on it too.
            var next = new Entry(new Lazy<Task<Petition?>>(() => ReadAsync(id, CancellationToken.None)), now + _ttl);
            if (!(found ? _cache.TryUpdate(id, next, entry!) : _cache.TryAdd(id, next))) continue;
            var petition = await next.Read.Value.WaitAsync(ct).ConfigureAwait(false);
            if (petition is null)
            {
                _cache.TryRemove(KeyValuePair.Create(id, next));
                RememberMiss(id, now + _ttl);
            }
            return petition;
        }
    }

    private void RememberMiss(string id, DateTimeOffset expires)
    {
        if (_ttl <= TimeSpan.Zero) return;
        if (_misses.Count >= MaxCachedMisses) _misses.Clear();
        _misses[id] = expires;
    }

    /// <summary>Bypasses the cache, for decisions that must see the latest definition.</summary>
    public async Task<Petition?> ReadAsync(string id, CancellationToken ct)
    {
        if (!PetitionIds.IsValid(id)) return null;
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(PartitionKey, id, cancellationToken: ct).ConfigureAwait(false);
        return response.HasValue ? FromEntity(response.Value!) : null;
    }

    public async Task<IReadOnlyList<Petition>> ListAsync(CancellationToken ct)
    {
        var list = new List<Petition>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {PartitionKey}");
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: ct).ConfigureAwait(false))
            list.Add(FromEntity(entity));
        return list;
    }

    /// <summary>Creates the petition, or replaces its definition. Returns true when it was created.</summary>
    public async Task<bool> UpsertAsync(Petition petition, CancellationToken ct)
    {
        var entity = ToEntity(petition);
        bool created;
        try
        {
            await _table.AddEntityAsync(entity, ct).ConfigureAwait(false);
            created = true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, ct).ConfigureAwait(false);
            created = false;
        }
        _cache[petition.Id] = Entry.Of(petition, clock.GetUtcNow() + _ttl);
        _misses.TryRemove(petition.Id, out _);
        return created;
    }

    /// <summary>
    /// Sets the petition's status to won (a victory announced to its signers), keeping the time it first closed, under the
    /// ETag it was read with so a concurrent edit is never overwritten. False when there is no such petition.
    /// </summary>
    public async Task<bool> MarkWonAsync(string id, DateTimeOffset at, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var response = await _table.GetEntityIfExistsAsync<TableEntity>(PartitionKey, id, cancellationToken: ct).ConfigureAwait(false);
            if (!response.HasValue) return false;
            var entity = response.Value!;
            if (entity.GetString("Status") == nameof(PetitionStatus.Won)) return true;
            var change = new TableEntity(PartitionKey, id)
            {
                ["Status"] = nameof(PetitionStatus.Won),
                ["UpdatedAt"] = at,
                ["ClosedAt"] = entity.GetDateTimeOffset("ClosedAt") ?? at,
            };
            try
            {
                await _table.UpdateEntityAsync(change, entity.ETag, TableUpdateMode.Merge, ct).ConfigureAwait(false);
                _cache.TryRemove(id, out _);
                return true;
            }
            catch (RequestFailedException e) when (e.Status == 412 && attempt < 10)
            {
                // Edited meanwhile: read it again and keep the edit.
            }
        }
    }

    /// <summary>Adds the petition only if its id is free; used to seed demo data without overwriting edits.</summary>
    public async Task<bool> AddIfMissingAsync(Petition petition, CancellationToken ct)
    {
        try
        {
            await _table.AddEntityAsync(ToEntity(petition), ct).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    private static TableEntity ToEntity(Petition p) => new(PartitionKey, p.Id)
    {
        ["Title"] = p.Title,
        // The letter is its own property: a table string holds 32K characters, so it cannot share one JSON blob with the rest.
        ["Letter"] = p.Letter,
        ["Status"] = p.Status.ToString(),
        ["Goal"] = p.Goal,
        ["Targets"] = JsonSerializer.Serialize(p.Targets, Json),
        ["Organizers"] = JsonSerializer.Serialize(p.Organizers, Json),
        ["Milestones"] = JsonSerializer.Serialize(p.Milestones, Json),
        ["AllowedOrigins"] = JsonSerializer.Serialize(p.AllowedOrigins, Json),
        ["ThankYouUrl"] = p.ThankYouUrl,
        ["RequireConfirmation"] = p.RequireConfirmation,
        ["CreatedAt"] = p.CreatedAt,
        ["UpdatedAt"] = p.UpdatedAt,
        ["ClosedAt"] = p.ClosedAt,
        ["Webhooks"] = p.Webhooks.Count == 0 ? null : StoredWebhook.Serialize(p.Webhooks),
    };

    private static Petition FromEntity(TableEntity e) => new()
    {
        Id = e.RowKey,
        Title = e.GetString("Title") ?? "",
        Letter = e.GetString("Letter") ?? "",
        Status = Enum.Parse<PetitionStatus>(e.GetString("Status") ?? nameof(PetitionStatus.Open)),
        Goal = e.GetInt32("Goal") ?? 0,
        Targets = JsonSerializer.Deserialize<List<PetitionTarget>>(e.GetString("Targets") ?? "[]", Json) ?? [],
        Organizers = JsonSerializer.Deserialize<List<string>>(e.GetString("Organizers") ?? "[]", Json) ?? [],
        Milestones = JsonSerializer.Deserialize<List<int>>(e.GetString("Milestones") ?? "[]", Json) ?? [],
        AllowedOrigins = JsonSerializer.Deserialize<List<string>>(e.GetString("AllowedOrigins") ?? "[]", Json) ?? [],
        ThankYouUrl = e.GetString("ThankYouUrl"),
        RequireConfirmation = e.GetBoolean("RequireConfirmation") ?? false,
        CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? default,
        UpdatedAt = e.GetDateTimeOffset("UpdatedAt") ?? default,
        ClosedAt = e.GetDateTimeOffset("ClosedAt"),
        Webhooks = StoredWebhook.Deserialize(e.GetString("Webhooks")),
    };
}
