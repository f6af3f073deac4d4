using System.Collections.Concurrent;
using System.Text;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace SignaturePipeline.Signatures;

/// <summary>A petition's exact counts by where its counted signatures came from.</summary>
/// <param name="BySource">Counted signatures per <c>source</c>; <see cref="SignatureStore.OtherValue"/> holds a shard's values past its cap.</param>
/// <param name="ByReferrer">Counted signatures per referral code: how many signatures each sharing signer's links brought.</param>
public sealed record SourceCounts(
    IReadOnlyDictionary<string, long> BySource,
    IReadOnlyDictionary<string, long> ByUtmSource,
    IReadOnlyDictionary<string, long> ByUtmMedium,
    IReadOnlyDictionary<string, long> ByUtmCampaign,
    IReadOnlyDictionary<string, long> ByReferrer)
{
    /// <summary>The referrers who brought the most signatures, most first (ties by code, so the list is stable).</summary>
    public IReadOnlyList<KeyValuePair<string, long>> TopReferrers(int count) =>
        ByReferrer.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(count).ToList();
}

/// <summary>
/// Counts by source, exact like the counts by state, and moved only in the transaction that moves the rows they count:
/// <list type="bullet">
/// <item>RowKey <c>sources</c>, one per shard: the counts per <c>source</c> (<c>Src_…</c>), <c>utm_source</c> (<c>UtmS_…</c>),
/// <c>utm_medium</c> (<c>UtmM_…</c>) and <c>utm_campaign</c> (<c>UtmC_…</c>), one property per value (the value spelled as a
/// property name, see <see cref="PropertyOf"/>). A campaign has few of each, but a form can post anything, so each shard keeps
/// at most 100 sources, 50 utm sources, 30 media and 60 campaigns (244 properties with the overflows, under Azure's 252): a
/// value first seen when its kind is full is counted under <see cref="OtherValue"/>. Every count stays exact.</item>
/// <item>RowKey <c>ref_{code}</c>, one per shard and referrer: <c>N</c>, the counted signatures that referral code brought.
/// Referrers are many (one per sharing signer), so each has a row of its own, written under its ETag in the same
/// transaction; reading them is a range query of the shard, never a scan of signature rows.</item>
/// </list>
/// The commit path takes these rows' last ETags from a cache, as it does the counter's; a stale one costs a 412 and a re-read.
/// </summary>
public sealed partial class SignatureStore
{
    public const string SourcesRowKey = "sources";
    public const string ReferrerRowPrefix = "ref_";
    private const string ReferrerRowEnd = "ref`";
    public const string ReferrerCountProperty = "N";

    /// <summary>How counts of values past a shard's cap are reported. Not a code anyone can send: codes have no parentheses.</summary>
    public const string OtherValue = "(other)";

    private sealed record Kind(string Prefix, int Cap, Func<SignatureSources, string?> ValueOf);

    private static readonly Kind SourceKind = new("Src_", 100, s => s.Source);
    private static readonly Kind UtmSourceKind = new("UtmS_", 50, s => s.UtmSource);
    private static readonly Kind UtmMediumKind = new("UtmM_", 30, s => s.UtmMedium);
    private static readonly Kind UtmCampaignKind = new("UtmC_", 60, s => s.UtmCampaign);
    private static readonly Kind[] Kinds = [SourceKind, UtmSourceKind, UtmMediumKind, UtmCampaignKind];

    /// <summary>The overflow's property: <c>_o</c> never comes out of <see cref="PropertyOf"/>, which writes <c>_</c> as <c>__</c>.</summary>
    private const string OverflowSuffix = "_o";

    /// <summary>Above this many cached referrer rows the cache starts again: it saves reads, it is not a store.</summary>
    private const int MaxCachedReferrers = 100_000;

    private readonly ConcurrentDictionary<string, TableEntity> _sourceRows = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TableEntity> _referrerRows = new(StringComparer.Ordinal);

    /// <summary>
    /// A value as a property name (letters, digits and <c>_</c>, as Azure asks): <c>_</c> as <c>__</c>, <c>-</c> as <c>_h</c>,
    /// <c>.</c> as <c>_d</c>. Values are already lower-case codes (<see cref="SignatureSources.NormalizeCode"/>).
    /// </summary>
    private static string PropertyOf(Kind kind, string value) =>
        kind.Prefix + value.Replace("_", "__", StringComparison.Ordinal).Replace("-", "_h", StringComparison.Ordinal).Replace(".", "_d", StringComparison.Ordinal);

    private static string ValueOf(Kind kind, string property)
    {
        var name = property[kind.Prefix.Length..];
        if (name == OverflowSuffix) return OtherValue;
        var value = new StringBuilder(name.Length);
        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] != '_' || i + 1 == name.Length) { value.Append(name[i]); continue; }
            value.Append(name[++i] switch { 'h' => '-', 'd' => '.', _ => '_' });
        }
        return value.ToString();
    }

    private static string ReferrerRowKeyOf(string code) => ReferrerRowPrefix + code;

    /// <summary>The stored sources of a row (for a projected read, the columns <see cref="SourceColumns"/> names).</summary>
    internal static SignatureSources? SourcesOf(TableEntity row)
    {
        var sources = new SignatureSources
        {
            Source = row.GetString(SignatureColumns.Source),
            UtmSource = row.GetString(SignatureColumns.UtmSource),
            UtmMedium = row.GetString(SignatureColumns.UtmMedium),
            UtmCampaign = row.GetString(SignatureColumns.UtmCampaign),
            Referrer = row.GetString(SignatureColumns.Referrer),
            Website = row.GetString(SignatureColumns.SourceWebsite),
        };
        return sources.IsEmpty ? null : sources;
    }

    private static readonly string[] SourceColumns =
        [SignatureColumns.Source, SignatureColumns.UtmSource, SignatureColumns.UtmMedium, SignatureColumns.UtmCampaign, SignatureColumns.Referrer];

    /// <summary>Adds a signature's sources to its row (the commit path's <see cref="ToEntity"/>).</summary>
    private static TableEntity WithSources(TableEntity row, SignatureSources? sources)
    {
        if (sources is null) return row;
        row[SignatureColumns.Source] = sources.Source;
        row[SignatureColumns.UtmSource] = sources.UtmSource;
        row[SignatureColumns.UtmMedium] = sources.UtmMedium;
        row[SignatureColumns.UtmCampaign] = sources.UtmCampaign;
        row[SignatureColumns.Referrer] = sources.Referrer;
        row[SignatureColumns.SourceWebsite] = sources.Website;
        return row;
    }

    /// <summary>
    /// The writes that count <paramref name="counted"/> by source and referrer in the commit's transaction, appended after
    /// the signature rows (so a 409 on a signature still names its row). The cached rows are taken out of the cache while
    /// the transaction is in flight and put back by <see cref="SourceTally.Landed"/>: a failed attempt reads them fresh.
    /// </summary>
    private async Task<SourceTally?> TallySourcesAsync(string partitionKey, IReadOnlyList<Pending> counted, CancellationToken ct)
    {
        var withSources = counted.Where(p => p.Signature.Sources is not null).Select(p => p.Signature.Sources!).ToList();
        if (withSources.Count == 0) return null;
        var tally = new SourceTally(this);
        if (withSources.Any(s => s.Source is not null || s.UtmSource is not null || s.UtmMedium is not null || s.UtmCampaign is not null))
        {
            var current = _sourceRows.TryRemove(partitionKey, out var cached) ? cached : await ReadRowAsync(partitionKey, SourcesRowKey, ct).ConfigureAwait(false);
            var moved = MoveSources(partitionKey, current, withSources, 1);
            tally.Add(moved, current?.ETag, _sourceRows, partitionKey);
        }
        foreach (var group in withSources.Where(s => s.Referrer is not null).GroupBy(s => s.Referrer!, StringComparer.Ordinal))
        {
            var cacheKey = partitionKey + "\n" + group.Key;
            var current = _referrerRows.TryRemove(cacheKey, out var cached) ? cached : await ReadRowAsync(partitionKey, ReferrerRowKeyOf(group.Key), ct).ConfigureAwait(false);
            tally.Add(MoveReferrer(partitionKey, group.Key, current, group.Count()), current?.ETag, _referrerRows, cacheKey);
        }
        return tally;
    }

    /// <summary>The writes of one commit's counts by source, and how to remember the rows once the transaction landed.</summary>
    private sealed class SourceTally(SignatureStore store)
    {
        private readonly List<(TableEntity Row, ConcurrentDictionary<string, TableEntity> Cache, string Key)> _rows = [];

        public List<TableTransactionAction> Actions { get; } = [];

        public void Add(TableEntity row, Azure.ETag? etag, ConcurrentDictionary<string, TableEntity> cache, string key)
        {
            Actions.Add(etag is { } e
                ? new TableTransactionAction(TableTransactionActionType.UpdateMerge, row, e)
                : new TableTransactionAction(TableTransactionActionType.Add, row));
            _rows.Add((row, cache, key));
        }

        /// <summary>Caches the rows with the ETags the transaction answered; <paramref name="first"/> is the index of the first of <see cref="Actions"/>.</summary>
        public void Landed(IReadOnlyList<Azure.Response> responses, int first)
        {
            if (store._referrerRows.Count > MaxCachedReferrers) store._referrerRows.Clear();
            for (var i = 0; i < _rows.Count; i++)
            {
                var (row, cache, key) = _rows[i];
                if (responses[first + i].Headers.ETag is not { } etag) continue;
                row.ETag = etag;
                cache[key] = row;
            }
        }
    }

    private async Task<TableEntity?> ReadRowAsync(string partitionKey, string rowKey, CancellationToken ct)
    {
        var read = await _table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: ct).ConfigureAwait(false);
        return read.HasValue ? read.Value! : null;
    }

    /// <summary>
    /// The sources row moved by <paramref name="delta"/> for each of <paramref name="sources"/>: the whole row, so the cache
    /// holds every value (a merge leaves the store's other properties as they are). A value new to a full kind goes to its
    /// overflow; a value taken back is taken from wherever it was counted (its own property, else the overflow).
    /// </summary>
    private static TableEntity MoveSources(string partitionKey, TableEntity? current, IEnumerable<SignatureSources> sources, int delta)
    {
        var moved = new TableEntity(partitionKey, SourcesRowKey);
        if (current is not null)
            foreach (var (key, value) in current)
                if (value is long) moved[key] = value;
        foreach (var s in sources)
            foreach (var kind in Kinds)
            {
                if (kind.ValueOf(s) is not { } value) continue;
                var property = PropertyOf(kind, value);
                if (!moved.ContainsKey(property)
                    && (delta < 0 || moved.Keys.Count(k => k.StartsWith(kind.Prefix, StringComparison.Ordinal) && k != kind.Prefix + OverflowSuffix) >= kind.Cap))
                    property = kind.Prefix + OverflowSuffix;
                moved[property] = (moved.GetInt64(property) ?? 0) + delta;
            }
        return moved;
    }

    private static TableEntity MoveReferrer(string partitionKey, string code, TableEntity? current, int delta) =>
        new(partitionKey, ReferrerRowKeyOf(code)) { [ReferrerCountProperty] = (current?.GetInt64(ReferrerCountProperty) ?? 0) + delta };

    /// <summary>
    /// The writes that move one row's counts by source when a transition counts it (+1) or takes it out (-1), read fresh
    /// and guarded by their ETags, for the transition's own transaction. Empty when the row came from nowhere in particular.
    /// </summary>
    private async Task<IReadOnlyList<TableTransactionAction>> MoveSourcesAsync(string partitionKey, TableEntity row, int delta, CancellationToken ct)
    {
        if (delta == 0 || SourcesOf(row) is not { } sources) return [];
        var actions = new List<TableTransactionAction>(2);
        if (Kinds.Any(k => k.ValueOf(sources) is not null))
        {
            _sourceRows.TryRemove(partitionKey, out _);
            var current = await ReadRowAsync(partitionKey, SourcesRowKey, ct).ConfigureAwait(false);
            var moved = MoveSources(partitionKey, current, [sources], delta);
            if (current is null && delta < 0) Drifted(partitionKey, SourcesRowKey);
            else actions.Add(current is null
                ? new TableTransactionAction(TableTransactionActionType.Add, moved)
                : new TableTransactionAction(TableTransactionActionType.UpdateMerge, moved, current.ETag));
        }
        if (sources.Referrer is { } code)
        {
            _referrerRows.TryRemove(partitionKey + "\n" + code, out _);
            var current = await ReadRowAsync(partitionKey, ReferrerRowKeyOf(code), ct).ConfigureAwait(false);
            var moved = MoveReferrer(partitionKey, code, current, delta);
            if (current is null && delta < 0) Drifted(partitionKey, ReferrerRowKeyOf(code));
            else actions.Add(current is null
                ? new TableTransactionAction(TableTransactionActionType.Add, moved)
                : new TableTransactionAction(TableTransactionActionType.UpdateMerge, moved, current.ETag));
        }
        return actions;
    }

    /// <summary>
    /// A counted row with nothing to take it back from: the counts drifted (a bug, a partial restore). Logged, not thrown:
    /// a signer's removal or erasure must never wait for a tally, and <c>POST …/recount</c> repairs it from the rows.
    /// </summary>
    private void Drifted(string partitionKey, string rowKey) =>
        logger.LogWarning("Counts by source drifted: {RowKey} of {PartitionKey} is missing; run the recount", rowKey, partitionKey);

    /// <summary>The petition's exact counts by source and referrer: a point read and a range query per shard, whatever the number of signatures.</summary>
    public async Task<SourceCounts> GetSourceCountsAsync(string petitionId, CancellationToken ct)
    {
        var totals = new Totals();
        await Task.WhenAll(Enumerable.Range(0, _shards).Select(async shard =>
        {
            var pk = PartitionKeyOf(petitionId, shard);
            var (sources, referrers) = await ReadTalliesAsync(pk, ct).ConfigureAwait(false);
            lock (totals)
            {
                if (sources is not null)
                    foreach (var kind in Kinds)
                        foreach (var (key, value) in sources)
                            if (key.StartsWith(kind.Prefix, StringComparison.Ordinal) && value is long n)
                                totals.Add(kind, ValueOf(kind, key), n);
                foreach (var (code, n) in referrers) totals.AddReferrer(code, n);
            }
        })).ConfigureAwait(false);
        return totals.ToCounts();
    }

    /// <summary>
    /// Counts by source from the signature rows themselves (a partition query per shard, selecting the source columns),
    /// with no cap. For tests and operators: it proves the counts, and is never on a request path.
    /// </summary>
    public async Task<SourceCounts> RecountSourcesAsync(string petitionId, CancellationToken ct)
    {
        var totals = new Totals();
        for (var shard = 0; shard < _shards; shard++)
            await foreach (var sources in CountedSourcesAsync(PartitionKeyOf(petitionId, shard), ct).ConfigureAwait(false))
                totals.Add(sources, 1);
        return totals.ToCounts();
    }

    /// <summary>
    /// Rewrites one shard's sources row and referrer rows from its signature rows where they disagree. Each write is
    /// guarded by the ETag read before the recount (an absent row by Add), so a commit in between fails it with 412 or 409,
    /// and the caller recounts again.
    /// </summary>
    private async Task<bool> RepairSourcesAsync(string partitionKey, CancellationToken ct)
    {
        var (sourcesRow, referrerRows) = await ReadTallyRowsAsync(partitionKey, ct).ConfigureAwait(false);
        var counted = new List<SignatureSources>();
        await foreach (var sources in CountedSourcesAsync(partitionKey, ct).ConfigureAwait(false)) counted.Add(sources);

        var repaired = false;
        var actual = Kinds.ToDictionary(k => k, k => counted.Select(k.ValueOf).OfType<string>().GroupBy(v => v, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal));
        if (!Kinds.All(kind => Describes(sourcesRow, kind, actual[kind])))
        {
            var expected = new TableEntity(partitionKey, SourcesRowKey);
            foreach (var kind in Kinds) Lay(expected, sourcesRow, kind, actual[kind]);
            await WriteAsync(sourcesRow, expected, !expected.Any(kv => kv.Value is long n && n != 0), ct).ConfigureAwait(false);
            repaired = true;
        }

        var referrers = counted.Where(s => s.Referrer is not null).GroupBy(s => s.Referrer!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);
        foreach (var code in referrers.Keys.Union(referrerRows.Keys, StringComparer.Ordinal))
        {
            var want = referrers.GetValueOrDefault(code);
            var row = referrerRows.GetValueOrDefault(code);
            if ((row?.GetInt64(ReferrerCountProperty) ?? 0) == want) continue;
            await WriteAsync(row, MoveReferrer(partitionKey, code, null, (int)want), want == 0, ct).ConfigureAwait(false);
            repaired = true;
        }
        _sourceRows.TryRemove(partitionKey, out _);
        foreach (var code in referrers.Keys.Union(referrerRows.Keys, StringComparer.Ordinal)) _referrerRows.TryRemove(partitionKey + "\n" + code, out _);
        return repaired;
    }

    /// <summary>
    /// Whether a sources row counts one kind's values exactly: each value with a property of its own by it, the others
    /// (values first seen when the kind was full) by the overflow.
    /// </summary>
    private static bool Describes(TableEntity? row, Kind kind, Dictionary<string, long> actual)
    {
        var overflow = kind.Prefix + OverflowSuffix;
        var own = row?.Keys.Where(k => k.StartsWith(kind.Prefix, StringComparison.Ordinal) && k != overflow).ToDictionary(k => ValueOf(kind, k), k => row.GetInt64(k) ?? 0, StringComparer.Ordinal)
            ?? [];
        return own.All(kv => actual.GetValueOrDefault(kv.Key) == kv.Value)
            && (row?.GetInt64(overflow) ?? 0) == actual.Where(kv => !own.ContainsKey(kv.Key)).Sum(kv => kv.Value);
    }

    /// <summary>
    /// A kind's counts laid out as the commit path would have: the values the row has properties for keep them, other
    /// values get theirs (most counted first) while the kind has room, and the rest go to the overflow.
    /// </summary>
    private static void Lay(TableEntity expected, TableEntity? row, Kind kind, Dictionary<string, long> actual)
    {
        var overflow = kind.Prefix + OverflowSuffix;
        var own = row?.Keys.Where(k => k.StartsWith(kind.Prefix, StringComparison.Ordinal) && k != overflow).Select(k => ValueOf(kind, k)).Take(kind.Cap).ToHashSet(StringComparer.Ordinal)
            ?? [];
        foreach (var value in actual.Keys.Where(v => !own.Contains(v)).OrderByDescending(v => actual[v]).ThenBy(v => v, StringComparer.Ordinal))
            if (own.Count < kind.Cap) own.Add(value);
        foreach (var value in own) expected[PropertyOf(kind, value)] = actual.GetValueOrDefault(value);
        if (actual.Where(kv => !own.Contains(kv.Key)).Sum(kv => kv.Value) is > 0 and var rest) expected[overflow] = rest;
    }

    private async Task WriteAsync(TableEntity? stored, TableEntity wanted, bool delete, CancellationToken ct)
    {
        if (stored is null)
        {
            if (!delete) await _table.AddEntityAsync(wanted, ct).ConfigureAwait(false);
        }
        else if (delete) await _table.DeleteEntityAsync(stored, stored.ETag, ct).ConfigureAwait(false);
        else await _table.UpdateEntityAsync(wanted, stored.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
    }

    private async Task<(TableEntity? Sources, Dictionary<string, long> Referrers)> ReadTalliesAsync(string partitionKey, CancellationToken ct)
    {
        var (sources, rows) = await ReadTallyRowsAsync(partitionKey, ct).ConfigureAwait(false);
        return (sources, rows.ToDictionary(kv => kv.Key, kv => kv.Value.GetInt64(ReferrerCountProperty) ?? 0, StringComparer.Ordinal));
    }

    private async Task<(TableEntity? Sources, Dictionary<string, TableEntity> Referrers)> ReadTallyRowsAsync(string partitionKey, CancellationToken ct)
    {
        var sources = await ReadRowAsync(partitionKey, SourcesRowKey, ct).ConfigureAwait(false);
        var referrers = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey ge {ReferrerRowPrefix} and RowKey lt {ReferrerRowEnd}");
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, cancellationToken: ct).ConfigureAwait(false))
            referrers[row.RowKey[ReferrerRowPrefix.Length..]] = row;
        return (sources, referrers);
    }

    /// <summary>The sources of the counted signature rows of one shard that have any.</summary>
    private async IAsyncEnumerable<SignatureSources> CountedSourcesAsync(string partitionKey, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var row in _table.QueryAsync<TableEntity>(SignatureRowsOf(partitionKey), select: [SignatureColumns.Status, .. SourceColumns], cancellationToken: ct).ConfigureAwait(false))
            if (StatusOf(row) == SignatureRowStatus.Counted && SourcesOf(row) is { } sources)
                yield return sources;
    }

    /// <summary>Sums counts by kind and value across shards.</summary>
    private sealed class Totals
    {
        private readonly Dictionary<Kind, SortedDictionary<string, long>> _byKind =
            Kinds.ToDictionary(k => k, _ => new SortedDictionary<string, long>(StringComparer.Ordinal));
        private readonly SortedDictionary<string, long> _byReferrer = new(StringComparer.Ordinal);

        public void Add(Kind kind, string value, long n)
        {
            if (n != 0) _byKind[kind][value] = _byKind[kind].GetValueOrDefault(value) + n;
        }

        public void AddReferrer(string code, long n)
        {
            if (n != 0) _byReferrer[code] = _byReferrer.GetValueOrDefault(code) + n;
        }

        public void Add(SignatureSources sources, long n)
        {
            foreach (var kind in Kinds)
                if (kind.ValueOf(sources) is { } value) Add(kind, value, n);
            if (sources.Referrer is { } code) AddReferrer(code, n);
        }

        public SourceCounts ToCounts() =>
            new(_byKind[SourceKind], _byKind[UtmSourceKind], _byKind[UtmMediumKind], _byKind[UtmCampaignKind], _byReferrer);
    }
}
