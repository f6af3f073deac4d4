using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SignaturePipeline.Abuse;
using SignaturePipeline.Security;
using Xunit.Abstractions;

namespace SignaturePipeline.Tests.Abuse;

public sealed class AbuseGuardTests(ITestOutputHelper output)
{
    private const string Petition = "save-the-park";

    private sealed class Warnings : ILogger<AbuseGuard>
    {
        public List<string> Logged { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning) Logged.Add(formatter(state, exception));
        }
    }

    private static (AbuseGuard Guard, FakeTimeProvider Time, Warnings Log) NewGuard(int perIpBurst = 5, int perIpPerHour = 30, int perPetitionPerMinute = 5_000)
    {
        // A minute boundary, so a test's requests all fall in one window unless it moves the clock on.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var options = Options.Create(new AbuseOptions { PerIpBurst = perIpBurst, PerIpPerHour = perIpPerHour, PerPetitionPerMinute = perPetitionPerMinute });
        var log = new Warnings();
        return (new AbuseGuard(options, new Hmac(Options.Create(new PipelineOptions { SecretKey = "unit-test-secret-key-123" }), TimeProvider.System), time, log), time, log);
    }

    /// <summary>The n-th of many distinct sources: even ones IPv4 addresses in 10/8, odd ones IPv6 /64s in 2001:db8::/32.</summary>
    private static IPAddress Distinct(int n)
    {
        var k = (uint)n / 2;
        if (n % 2 == 0)
        {
            var v4 = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(v4, 0x0A00_0000 | k);
            return new IPAddress(v4);
        }
        var v6 = new byte[16];
        BinaryPrimitives.WriteUInt32BigEndian(v6, 0x2001_0db8);
        BinaryPrimitives.WriteUInt32BigEndian(v6.AsSpan(4), k);
        v6[15] = 1;
        return new IPAddress(v6);
    }

    [Fact]
    public void One_million_distinct_sources_in_a_minute_keep_memory_bounded_and_work_per_request_constant()
    {
        var (guard, time, log) = NewGuard();
        const int total = 1_000_000, baseline = 10_000, batch = 100_000;
        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var perRequest = new List<double>();
        long allocated = 0;

        // The first 10,000 requests, JIT and table allocation included, set the pace the rest are held to.
        for (var start = 0; start < total; start = start < baseline ? baseline : start + batch)
        {
            var size = start == 0 ? baseline : start == baseline ? batch - baseline : batch;
            var (nanoseconds, bytes) = Flood(guard, start, size, perRequest.Count == 0 ? double.MaxValue : perRequest[0] * 50);
            perRequest.Add(nanoseconds);
            if (start > 0) allocated += bytes;
        }
        var retained = GC.GetTotalMemory(forceFullCollection: true) - before;
        // The tables were full; the sketch behind them counts on, and the operator is told once per window.
        Assert.Equal(2, log.Logged.Count);

        // Past the tables, newcomers are counted by the sketch, which over-counts; it is wide enough that they still sign.
        var fresh = Enumerable.Range(0, 1_000).Count(i => guard.Check("p5", IPAddress.Parse($"172.{16 + i / 250}.{i % 250}.1")) is not null);
        Assert.True(fresh < 50, $"{fresh} of 1,000 newcomers held after the flood.");
        // Filling the tables does not hide a source from its limit: the sketch never under-counts.
        var repeater = IPAddress.Parse("198.51.100.7");
        Assert.Equal(AbuseFlags.IpBurst, Enumerable.Range(0, 6).Select(_ => guard.Check("p6", repeater)).ToList()[^1]);

        // An hour later both windows have rolled: their second generations exist, and the first ones are reused.
        time.Advance(TimeSpan.FromHours(1));
        Flood(guard, total, batch, double.MaxValue);
        var retainedRolled = GC.GetTotalMemory(forceFullCollection: true) - before;

        output.WriteLine($"ns per request: first {baseline:N0} {perRequest[0]:N0}, then per {batch:N0}: {string.Join(", ", perRequest.Skip(1).Select(t => $"{t:N0}"))}; " +
            $"allocated after the first {baseline:N0}: {allocated / (double)(total - baseline):N2} B/request; " +
            $"retained {retained / 1048576.0:N1} MiB at {total:N0} sources, {retainedRolled / 1048576.0:N1} MiB once both windows rolled; " +
            $"newcomers held in the flood's minute: {fresh} of 1,000");
        // The best of the last three, so that one stall on a shared machine is not read as growth.
        var last = perRequest.TakeLast(3).Min();
        Assert.True(last < perRequest[0] * 10, $"The last requests took {last:N0} ns each, the first {baseline:N0} {perRequest[0]:N0} ns.");
        Assert.True(allocated < (total - baseline) * 8L, $"{allocated:N0} bytes allocated by {total - baseline:N0} requests after warm-up.");
        Assert.True(retained < 32L << 20, $"{retained:N0} bytes retained after {total:N0} distinct sources.");
        Assert.True(retainedRolled < 32L << 20, $"{retainedRolled:N0} bytes retained once both windows rolled.");
    }

    /// <summary>Sends <paramref name="size"/> distinct sources over four petitions; returns nanoseconds per request and bytes allocated.</summary>
    private static (double Nanoseconds, long Bytes) Flood(AbuseGuard guard, int start, int size, double allowedNanoseconds)
    {
        string[] petitions = ["p1", "p2", "p3", "p4"];
        // Addresses are made before the clock starts: only the guard's own time and allocations are measured.
        var sources = Enumerable.Range(start, size).Select(Distinct).ToArray();
        var allowance = TimeSpan.FromMilliseconds(Math.Min(allowedNanoseconds * size / 1e6, TimeSpan.MaxValue.TotalMilliseconds / 2));
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < size; i++)
        {
            guard.Check(petitions[i % petitions.Length], sources[i]);
            // Work growing with the keys held would take minutes here: stop as soon as a batch is clearly over.
            if (i % 1_000 == 0 && clock.Elapsed > allowance)
                Assert.Fail($"Requests {start:N0} to {start + i:N0} took {clock.Elapsed.TotalMilliseconds:N0} ms, over 50 times the first ones' pace.");
        }
        return (clock.Elapsed.TotalNanoseconds / size, GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
    }

    [Fact]
    public void An_IPv6_client_rotating_addresses_within_its_64_is_held_after_its_burst()
    {
        var (guard, _, _) = NewGuard(perIpBurst: 5);

        var flags = Enumerable.Range(1, 8).Select(i => guard.Check(Petition, IPAddress.Parse($"2001:db8:1:2:{i:x}:{i * 7:x}::{i}"))).ToList();

        Assert.Equal([null, null, null, null, null, AbuseFlags.IpBurst, AbuseFlags.IpBurst, AbuseFlags.IpBurst], flags);
    }

    [Fact]
    public void An_IPv6_client_rotating_addresses_within_its_64_is_held_after_its_hourly_limit()
    {
        var (guard, time, _) = NewGuard(perIpBurst: 5, perIpPerHour: 12);
        var flags = new List<string?>();
        for (var minute = 0; minute < 4; minute++, time.Advance(TimeSpan.FromMinutes(2)))
            for (var i = 0; i < 4; i++) flags.Add(guard.Check(Petition, IPAddress.Parse($"2001:db8:1:2::{minute * 4 + i + 1:x}")));

        Assert.All(flags.Take(12), Assert.Null);
        Assert.All(flags.Skip(12), f => Assert.Equal(AbuseFlags.IpHourly, f));
    }

    [Fact]
    public void Neighbouring_64s_of_one_48_are_separate_signers()
    {
        var (guard, _, _) = NewGuard(perIpBurst: 1);

        var flags = Enumerable.Range(1, 8).Select(i => guard.Check(Petition, IPAddress.Parse($"2001:db8:1:{i:x}::1"))).ToList();

        Assert.All(flags, Assert.Null);
    }

    [Fact]
    public void An_IPv4_mapped_IPv6_address_counts_as_its_IPv4_address()
    {
        var (guard, _, _) = NewGuard(perIpBurst: 3);

        var flags = Enumerable.Range(0, 4).Select(i => guard.Check(Petition, IPAddress.Parse(i % 2 == 0 ? "198.51.100.7" : "::ffff:198.51.100.7"))).ToList();

        Assert.Equal([null, null, null, AbuseFlags.IpBurst], flags);
    }

    [Fact]
    public void A_flood_over_the_petition_limit_holds_its_own_sources_and_still_counts_quiet_signers()
    {
        var (guard, _, _) = NewGuard(perIpBurst: 5, perPetitionPerMinute: 100);
        var flood = new List<string?>();
        var signers = new List<string?>();

        // A bot rotates through a /24 and an IPv6 /48; between its requests, real people sign once each from their own networks.
        for (var i = 0; i < 3_000; i++)
        {
            flood.Add(guard.Check(Petition, i % 2 == 0 ? IPAddress.Parse($"203.0.113.{i % 250 + 1}") : IPAddress.Parse($"2001:db8:66:{i % 1000:x}::1")));
            if (i % 50 == 49) signers.Add(guard.Check(Petition, i % 100 == 49 ? IPAddress.Parse($"10.{i / 50}.7.1") : IPAddress.Parse($"2001:db8:{i:x}:1::1")));
        }

        Assert.Equal(60, signers.Count);
        Assert.All(signers, Assert.Null);
        // Until the petition reached its limit the bot's signatures went through like anyone's; past it, all are held.
        Assert.All(flood.Skip(100), f => Assert.NotNull(f));
        Assert.Contains(AbuseFlags.PetitionRate, flood);
        // Without an address a signature cannot be told apart from the flood.
        Assert.Equal(AbuseFlags.PetitionRate, guard.Check(Petition, null));
    }

    [Fact]
    public void A_flood_of_quiet_sources_over_the_petition_limit_cannot_be_told_apart_and_is_held_past_the_limit()
    {
        var (guard, _, _) = NewGuard(perIpBurst: 5, perPetitionPerMinute: 100);

        var flags = Enumerable.Range(0, 300).Select(i => guard.Check(Petition, IPAddress.Parse($"10.{i / 200}.{i % 200}.1"))).ToList();

        Assert.All(flags.Take(100), Assert.Null);
        Assert.All(flags.Skip(100), f => Assert.Equal(AbuseFlags.PetitionRate, f));
    }

    [Fact]
    public void Without_an_address_signatures_over_the_petition_limit_are_held()
    {
        var (guard, _, _) = NewGuard(perPetitionPerMinute: 100);

        var flags = Enumerable.Range(0, 150).Select(_ => guard.Check(Petition, null)).ToList();

        Assert.All(flags.Take(100), Assert.Null);
        Assert.All(flags.Skip(100), f => Assert.Equal(AbuseFlags.PetitionRate, f));
    }

    [Fact]
    public void Concurrent_requests_are_each_counted_exactly_once()
    {
        var (guard, _, _) = NewGuard(perPetitionPerMinute: 10_000);
        var flags = new string?[20_000];

        Parallel.For(0, flags.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => flags[i] = guard.Check(Petition, IPAddress.Parse($"10.{i / 250}.{i % 250}.1")));

        Assert.Equal(10_000, flags.Count(f => f is null));
        Assert.Equal(10_000, flags.Count(f => f == AbuseFlags.PetitionRate));
    }

    [Fact]
    public void A_source_held_for_its_burst_signs_again_once_the_sliding_minute_has_passed_and_a_long_gap_starts_it_afresh()
    {
        var (guard, time, _) = NewGuard(perIpBurst: 2);
        var ip = IPAddress.Parse("198.51.100.9");

        Assert.Equal([null, null, AbuseFlags.IpBurst], Enumerable.Range(0, 3).Select(_ => guard.Check(Petition, ip)));
        // Half a minute into the next window, half of the last one still weighs: 3 × 0.5 + 1 is over 2.
        time.Advance(TimeSpan.FromSeconds(90));
        Assert.Equal(AbuseFlags.IpBurst, guard.Check(Petition, ip));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(guard.Check(Petition, ip));
        // After a quiet gap of several windows the old counts are gone, not carried over.
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal([null, null, AbuseFlags.IpBurst], Enumerable.Range(0, 3).Select(_ => guard.Check(Petition, ip)));
    }
}
