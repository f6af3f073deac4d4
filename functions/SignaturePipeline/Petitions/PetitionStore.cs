using System.Collections.Concurrent;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using SignaturePipeline.Security;
using SignaturePipeline.Storage;

namespace SignaturePipeline.Petitions;

/// <summary>
/// Petition definitions in table <c>petitions</c>.
/// <list type="bullet">
/// <item>PartitionKey <c>petition</c>: all definitions share one small partition, so listing them is one partition query, never a table scan.</item>
/// <item>RowKey: the petition id (a slug, see <see cref="PetitionIds"/>).</item>
/// <item>The organizer index: PartitionKey <c>o_{keyed hash of the address}</c>, RowKey the petition id, one row per organizer
/// of each petition, so "which petitions does this address organize" is one small partition query, not a read of every
/// definition. Written here with the definitions: rows for new organizers before the definition, rows of removed ones after,
/// so the index may briefly list too much, never too little; readers check the definition itself (<see cref="OrganizerKey"/>).</item>
/// </list>
/// Reads go through a short cache: intake serves a viral spike without a table read per request.
/// </summary>
public sealed class PetitionStore(TableServiceClient tables, Hmac hmac, IOptions<PipelineOptions> options, TimeProvider clock)
{
    internal const string PartitionKey = "petition";
    private const string OrganizerPartitionPrefix = "o_";
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

    /// <summary>The keyed hash an organizer's address is indexed and compared by: the address never appears in a key in clear.</summary>
    public string OrganizerKey(string email) => hmac.RecordHash("organizer", email.Trim().ToLowerInvariant(), 16);

    /// <summary>Whether <paramref name="organizerKey"/> (<see cref="OrganizerKey"/>) is among the petition's organizers.</summary>
    public bool IsOrganizer(Petition petition, string organizerKey) =>
        petition.Organizers.Any(o => Hmac.FixedTimeEquals(OrganizerKey(o), organizerKey));

    /// <summary>The ids of the petitions the index lists for an organizer: one partition query. Check each definition.</summary>
    public async Task<IReadOnlyList<string>> ListIdsByOrganizerAsync(string organizerKey, CancellationToken ct)
    {
        var ids = new List<string>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {OrganizerPartitionPrefix + organizerKey}");
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: ct).ConfigureAwait(false))
            ids.Add(row.RowKey);
        return ids;
    }

    /// <summary>Adds the index rows of the petition's organizers (idempotent): for definitions stored before the index existed.</summary>
    public Task IndexOrganizersAsync(Petition petition, CancellationToken ct) =>
        Task.WhenAll(petition.Organizers.Select(o => _table.UpsertEntityAsync(new TableEntity(OrganizerPartitionPrefix + OrganizerKey(o), petition.Id), TableUpdateMode.Replace, ct)));

    private async Task UnindexOrganizersAsync(string petitionId, IEnumerable<string> removed, CancellationToken ct)
    {
        foreach (var organizer in removed)
            await _table.DeleteEntityAsync(OrganizerPartitionPrefix + OrganizerKey(organizer), petitionId, ETag.All, ct).ConfigureAwait(false);
    }

    /// <summary>Creates the petition, or replaces its definition. Returns true when it was created.</summary>
    public async Task<bool> UpsertAsync(Petition petition, CancellationToken ct)
    {
        var previous = await ReadAsync(petition.Id, ct).ConfigureAwait(false);
        await IndexOrganizersAsync(petition, ct).ConfigureAwait(false);
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
        if (previous is not null)
            await UnindexOrganizersAsync(petition.Id, previous.Organizers.Where(o => !petition.Organizers.Contains(o, StringComparer.OrdinalIgnoreCase)), ct).ConfigureAwait(false);
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
            await IndexOrganizersAsync(petition, ct).ConfigureAwait(false);
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
