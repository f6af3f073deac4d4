using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Petitions;

namespace SignaturePipeline.IntegrationTests.Petitions;

/// <summary>
/// A viral petition's page views must not compete with its commits: public reads share one counts read per petition
/// per period, and tell browsers and CDNs how to serve repeats themselves.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class ReadPathTests(AzuriteFixture azurite)
{
    private const int Shards = 4; // AzuriteFixture's Pipeline:ShardCount
    private const int Readers = 200;

    // The longest period allowed, so that a slow run's 200 requests never span two periods of the real clock;
    // the tests step into the next period by shifting the clock.
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(10);
    private static readonly Dictionary<string, string?> Sharing = new()
    {
        ["Pipeline:CountCacheMilliseconds"] = "10000",
        ["Pipeline:PetitionCacheSeconds"] = "10",
    };

    private sealed record Host(RunningHost Running, HttpClient Client, ShiftableClock Clock, TableReadLog Reads) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await Running.DisposeAsync();
        }
    }

    private async Task<Host> StartAsync(IDictionary<string, string?> overrides)
    {
        var clock = new ShiftableClock();
        var reads = new TableReadLog();
        var host = await azurite.StartHostAsync(overrides, s =>
        {
            s.AddSingleton<TimeProvider>(clock);
            reads.Register(s);
        });
        return new Host(host, host.CreateClient(), clock, reads);
    }

    private static async Task<long[]> ReadCountsAsync(HttpClient client, string path, int readers) =>
        await Task.WhenAll(Enumerable.Range(0, readers).Select(async _ =>
        {
            using var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return json.RootElement.ValueKind == JsonValueKind.Array
                ? json.RootElement.EnumerateArray().Sum(p => p.GetProperty("signatureCount").GetInt64())
                : json.RootElement.GetProperty("signatureCount").GetInt64();
        }));

    [Fact]
    public async Task Concurrent_readers_of_a_petition_cost_one_counts_read_per_shard_per_period()
    {
        await using var host = await StartAsync(Sharing);
        var services = host.Running.Services;
        var petition = await Seed.PetitionAsync(services, goal: 1000, milestones: []);
        await Seed.SignAsync(services, petition, 3);
        host.Reads.Clear();

        var counts = await ReadCountsAsync(host.Client, $"/api/petitions/{petition}", Readers);
        Assert.All(counts, c => Assert.Equal(3, c));
        Assert.Equal(Shards, host.Reads.CounterReadsOf(petition));

        // The page and the list within the same period share that read.
        await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ => (await host.Client.GetAsync($"/petitions/{petition}")).EnsureSuccessStatusCode()));
        await ReadCountsAsync(host.Client, "/api/petitions", 20);
        Assert.Equal(Shards, host.Reads.CounterReadsOf(petition));

        // The next period reads once more, and sees what was counted meanwhile.
        await Seed.SignAsync(services, petition, 2, first: 3);
        host.Reads.Clear();
        host.Reads.Delay = TimeSpan.FromMilliseconds(300); // storage under load: the readers all arrive while the reads are in flight
        host.Clock.Offset += Period + TimeSpan.FromSeconds(1);
        counts = await ReadCountsAsync(host.Client, $"/api/petitions/{petition}", Readers);
        Assert.All(counts, c => Assert.Equal(5, c));
        Assert.Equal(Shards, host.Reads.CounterReadsOf(petition));
        // The definition expired too, for all 200 at once: one of them read it, the others waited for that read.
        Assert.Equal(1, host.Reads.DefinitionReadsOf(petition));
    }

    [Fact]
    public async Task Public_reads_can_be_cached_by_browsers_and_CDNs_and_revalidated_with_their_ETag()
    {
        await using var host = await StartAsync(Sharing);
        var services = host.Running.Services;
        var petition = await Seed.PetitionAsync(services, goal: 1000, milestones: []);
        await Seed.SignAsync(services, petition, 1);

        foreach (var path in new[] { $"/api/petitions/{petition}", "/api/petitions" })
        {
            using var first = await host.Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.True(first.Headers.CacheControl!.Public);
            Assert.Equal(TimeSpan.FromSeconds(5), first.Headers.CacheControl.MaxAge);
            var etag = first.Headers.ETag!;
            Assert.False(etag.IsWeak);

            foreach (var validator in new[] { etag, new EntityTagHeaderValue(etag.Tag, isWeak: true) })
            {
                using var revalidate = new HttpRequestMessage(HttpMethod.Get, path);
                revalidate.Headers.IfNoneMatch.Add(validator);
                using var notModified = await host.Client.SendAsync(revalidate);
                Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
                Assert.Equal(etag, notModified.Headers.ETag);
                Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
            }
        }

        // A new count is a new representation: the old validator no longer matches.
        using var before = await host.Client.GetAsync($"/api/petitions/{petition}");
        await Seed.SignAsync(services, petition, 1, first: 1);
        host.Clock.Offset += Period + TimeSpan.FromSeconds(1);
        using var stale = new HttpRequestMessage(HttpMethod.Get, $"/api/petitions/{petition}");
        stale.Headers.IfNoneMatch.Add(before.Headers.ETag!);
        using var changed = await host.Client.SendAsync(stale);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(before.Headers.ETag, changed.Headers.ETag);
        Assert.Equal(2, (await changed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("signatureCount").GetInt64());
    }

    [Fact]
    public async Task Unknown_petition_ids_are_remembered_for_a_bounded_time_and_number()
    {
        var clock = new ShiftableClock();
        var reads = new TableReadLog();
        await using var services = await azurite.BuildServicesAsync(new Dictionary<string, string?> { ["Pipeline:PetitionCacheSeconds"] = "60" }, s =>
        {
            s.AddSingleton<TimeProvider>(clock);
            reads.Register(s);
        });
        var store = services.GetRequiredService<PetitionStore>();
        var unknown = AzuriteFixture.NewPetitionId("unknown");

        Assert.Null(await store.GetAsync(unknown, CancellationToken.None));
        Assert.Null(await store.GetAsync(unknown, CancellationToken.None));
        Assert.Equal(1, reads.DefinitionReadsOf(unknown));

        // Past the time bound it is read again.
        clock.Offset += TimeSpan.FromSeconds(61);
        Assert.Null(await store.GetAsync(unknown, CancellationToken.None));
        Assert.Equal(2, reads.DefinitionReadsOf(unknown));

        // Anyone can ask for any id: as many other unknown ids as the set holds push it out, well within its time.
        var others = Enumerable.Range(0, PetitionStore.MaxCachedMisses).Select(_ => AzuriteFixture.NewPetitionId("other")).ToList();
        await Parallel.ForEachAsync(others, new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (id, ct) => Assert.Null(await store.GetAsync(id, ct)));
        Assert.Null(await store.GetAsync(unknown, CancellationToken.None));
        Assert.Equal(3, reads.DefinitionReadsOf(unknown));

        // A petition defined through this instance is known at once, not after the miss expires.
        Assert.IsType<SavePetitionResult.Saved>(await services.GetRequiredService<PetitionHandlers>().SaveAsync(unknown, AzuriteFixture.Definition(), CancellationToken.None));
        Assert.NotNull(await store.GetAsync(unknown, CancellationToken.None));
    }
}
