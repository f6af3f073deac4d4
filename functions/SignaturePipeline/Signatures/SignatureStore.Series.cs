using System.Buffers.Binary;
using System.Globalization;
using Azure.Data.Tables;

namespace SignaturePipeline.Signatures;

/// <summary>
/// The shard's figures over time and place, kept on its <c>counter</c> row beside <c>Total</c> and the per-state counts and
/// moved in the same transactions, so the organizers' console reads a petition of a million signatures with one point
/// read per shard, as it reads one of ten:
/// <list type="bullet">
/// <item><c>SeriesDays</c>: counted signatures per UTC day (days since 1970), for the whole life of the petition.</item>
/// <item><c>SeriesHours</c>: counted signatures per UTC hour (hours since 1970), only for the last <see cref="HourWindow"/>:
/// older hours are dropped whenever the counter is written, so the property stays small (8 days × 24 hours × 8 bytes).</item>
/// <item><c>Zip3</c>: counted signatures per ZIP3 area.</item>
/// </list>
/// Each is a binary property of (key, count) pairs of little-endian int32, sorted by key: binary because a property holds
/// 64 KiB and an entity 252 properties, so sixty years of days or the thousand ZIP3 areas fit in one property each,
/// where a property per bucket would not. A row is placed by the moment it was counted (its delivery index key holds it),
/// so un-counting it takes it out of the very bucket it went into.
/// </summary>
public sealed partial class SignatureStore
{
    public const string DaysProperty = "SeriesDays";
    public const string HoursProperty = "SeriesHours";
    public const string Zip3Property = "Zip3";

    /// <summary>How far back hours are kept; the console shows hours for the last 7 days, and one more day covers time zones.</summary>
    public static readonly TimeSpan HourWindow = TimeSpan.FromDays(8);

    /// <summary>One counted (or un-counted) row, as the series see it: when it was counted and its ZIP code.</summary>
    internal readonly record struct SeriesPoint(DateTimeOffset CountedAt, string? PostalCode);

    /// <summary>
    /// Writes onto <paramref name="updated"/> the series of <paramref name="counter"/> moved by <paramref name="sign"/> for every
    /// point. Whole properties are written: a merge replaces each one, leaving the rest of the counter alone.
    /// </summary>
    internal void MoveSeries(TableEntity updated, TableEntity counter, IEnumerable<SeriesPoint> points, int sign) =>
        MoveSeries(updated, counter, points, sign, clock.GetUtcNow());

    private static void MoveSeries(TableEntity updated, TableEntity counter, IEnumerable<SeriesPoint> points, int sign, DateTimeOffset now)
    {
        var days = Read(counter.GetBinary(DaysProperty));
        var hours = Read(counter.GetBinary(HoursProperty));
        var zips = Read(counter.GetBinary(Zip3Property));
        var oldestHour = HourOf(now - HourWindow);
        foreach (var p in points)
        {
            Add(days, DayOf(p.CountedAt), sign);
            var hour = HourOf(p.CountedAt);
            if (hour >= oldestHour) Add(hours, hour, sign);
            if (Zip3Of(p.PostalCode) is { } zip) Add(zips, zip, sign);
        }
        foreach (var old in hours.Keys.Where(h => h < oldestHour).ToList()) hours.Remove(old);
        updated[DaysProperty] = Write(days);
        updated[HoursProperty] = Write(hours);
        updated[Zip3Property] = Write(zips);
    }

    /// <summary>
    /// The shard counter after a commit of <paramref name="counted"/> at <paramref name="countedAt"/> onto <paramref name="counter"/>
    /// (null: none yet), as the commit path computes it: total, states and series. For seeding (the benchmark writes rows with
    /// <see cref="RowsOf"/> and this counter); the commit itself writes it under the counter's ETag.
    /// </summary>
    public static TableEntity CounterAfter(string partitionKey, TableEntity? counter, IReadOnlyList<Pending> counted, DateTimeOffset countedAt, DateTimeOffset now)
    {
        var before = counter ?? new TableEntity(partitionKey, CounterRowKey) { [TotalProperty] = 0L };
        var updated = Increment(before, counted.ToList());
        MoveSeries(updated, before, counted.Select(p => new SeriesPoint(countedAt, p.Signature.PostalCode)), +1, now);
        return updated;
    }

    /// <summary>When a counted row was counted: its delivery index key holds the commit time.</summary>
    internal static DateTimeOffset? CountedAtOf(string? indexRowKey) =>
        indexRowKey is { Length: > 21 } key && key.StartsWith(IndexRowPrefix, StringComparison.Ordinal)
            && long.TryParse(key.AsSpan(IndexRowPrefix.Length, 19), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    public static int DayOf(DateTimeOffset at) => (int)(at.UtcTicks / TimeSpan.TicksPerDay - DateTimeOffset.UnixEpoch.UtcTicks / TimeSpan.TicksPerDay);

    public static int HourOf(DateTimeOffset at) => (int)(at.UtcTicks / TimeSpan.TicksPerHour - DateTimeOffset.UnixEpoch.UtcTicks / TimeSpan.TicksPerHour);

    private static int? Zip3Of(string? postalCode) =>
        postalCode is { Length: >= 3 } zip && int.TryParse(zip.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    private static void Add(SortedDictionary<int, int> buckets, int key, int delta)
    {
        var n = buckets.GetValueOrDefault(key) + delta;
        if (n == 0) buckets.Remove(key);
        else buckets[key] = n;
    }

    internal static SortedDictionary<int, int> Read(byte[]? packed)
    {
        var buckets = new SortedDictionary<int, int>();
        if (packed is null) return buckets;
        for (var i = 0; i + 8 <= packed.Length; i += 8)
            buckets[BinaryPrimitives.ReadInt32LittleEndian(packed.AsSpan(i))] = BinaryPrimitives.ReadInt32LittleEndian(packed.AsSpan(i + 4));
        return buckets;
    }

    internal static byte[] Write(SortedDictionary<int, int> buckets)
    {
        var packed = new byte[buckets.Count * 8];
        var i = 0;
        foreach (var (key, n) in buckets)
        {
            BinaryPrimitives.WriteInt32LittleEndian(packed.AsSpan(i), key);
            BinaryPrimitives.WriteInt32LittleEndian(packed.AsSpan(i + 4), n);
            i += 8;
        }
        return packed;
    }

    /// <summary>Whether the series of two counter rows agree (the recount's check); hours only within the window both keep.</summary>
    private bool SameSeries(TableEntity a, TableEntity b)
    {
        var oldestHour = HourOf(clock.GetUtcNow() - HourWindow);
        return Read(a.GetBinary(DaysProperty)).SequenceEqual(Read(b.GetBinary(DaysProperty)))
            && Read(a.GetBinary(Zip3Property)).SequenceEqual(Read(b.GetBinary(Zip3Property)))
            && Read(a.GetBinary(HoursProperty)).Where(h => h.Key >= oldestHour).SequenceEqual(Read(b.GetBinary(HoursProperty)).Where(h => h.Key >= oldestHour));
    }

    /// <summary>
    /// A petition's counts with its series: one point read per shard, whatever the number of signatures. Hours older than
    /// <see cref="HourWindow"/> are left out (a shard not written lately still holds them).
    /// </summary>
    public async Task<PetitionSummary> GetSummaryAsync(string petitionId, CancellationToken ct)
    {
        var reads = Enumerable.Range(0, _shards)
            .Select(shard => _table.GetEntityIfExistsAsync<TableEntity>(PartitionKeyOf(petitionId, shard), CounterRowKey, cancellationToken: ct))
            .ToArray();
        var results = await Task.WhenAll(reads).ConfigureAwait(false);
        long total = 0;
        var byState = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var days = new SortedDictionary<int, long>();
        var hours = new SortedDictionary<int, long>();
        var zips = new SortedDictionary<int, long>();
        var oldestHour = HourOf(clock.GetUtcNow() - HourWindow);
        foreach (var result in results)
        {
            if (!result.HasValue) continue;
            var counter = result.Value!;
            total += counter.GetInt64(TotalProperty) ?? 0;
            foreach (var (key, value) in counter)
                if (key.StartsWith(StatePropertyPrefix, StringComparison.Ordinal) && value is long n && n != 0)
                    byState[key[StatePropertyPrefix.Length..]] = byState.GetValueOrDefault(key[StatePropertyPrefix.Length..]) + n;
            foreach (var (day, n) in Read(counter.GetBinary(DaysProperty))) days[day] = days.GetValueOrDefault(day) + n;
            foreach (var (hour, n) in Read(counter.GetBinary(HoursProperty)))
                if (hour >= oldestHour) hours[hour] = hours.GetValueOrDefault(hour) + n;
            foreach (var (zip, n) in Read(counter.GetBinary(Zip3Property))) zips[zip] = zips.GetValueOrDefault(zip) + n;
        }
        return new PetitionSummary(new PetitionCounts(total, byState), days, hours,
            zips.ToDictionary(kv => kv.Key.ToString("D3", CultureInfo.InvariantCulture), kv => kv.Value, StringComparer.Ordinal));
    }
}

/// <summary>
/// A petition's counts, and its counted signatures per UTC day (days since 1970), per UTC hour of the recent past (hours
/// since 1970) and per ZIP3 area: all from the shard counters.
/// </summary>
public sealed record PetitionSummary(PetitionCounts Counts, IReadOnlyDictionary<int, long> Days, IReadOnlyDictionary<int, long> Hours,
    IReadOnlyDictionary<string, long> Zip3);
