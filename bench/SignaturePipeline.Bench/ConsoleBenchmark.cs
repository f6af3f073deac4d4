using System.Diagnostics;
using System.Globalization;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using SignaturePipeline.LocalHost.Azurite;
using SignaturePipeline.Signatures;
using SignaturePipeline.Storage;

namespace SignaturePipeline.Bench;

/// <summary>
/// <c>GET /api/console/petitions/{id}</c>, the console's petition view, for a petition of N signatures and one of 10: time
/// per view and storage requests per view, counted at the host's own table client. Runs alone (<c>--console N</c>).
/// <para>The signatures are seeded straight into the table through <see cref="SignatureStore.RowsOf"/>, 98 per transaction,
/// counted over the last 30 days, and each shard's counter is computed transaction by transaction with
/// <see cref="SignatureStore.CounterAfter"/>, the commit path's own computation, and written once the shard's rows are in
/// (a recount of a million rows would take Azurite, which scans its table for every page, far longer). Going through intake
/// would take hours at Azurite's rates and measure intake, not the view.</para>
/// </summary>
public static class ConsoleBenchmark
{
    private const int Views = 300;
    private static readonly (string State, string Zip)[] Places =
        [("NY", "10027"), ("NY", "11372"), ("CA", "94105"), ("CA", "90033"), ("TX", "75201"), ("IL", "60601"), ("FL", "33130"), ("WA", "98101"), ("MA", "02139"), ("AZ", "85003")];

    public static async Task<string> RunAsync(BenchOptions options)
    {
        var n = options.Console;
        await using var azurite = await AzuriteProcess.StartAsync(options.Root, location: null);
        var requests = new HostTableRequests();
        var settings = PipelineBenchmark.Settings(azurite, options);
        await using var app = await PipelineBenchmark.StartHostAsync(settings, requests.Register);
        using var admin = PipelineBenchmark.Client(app, options);
        var store = app.Services.GetRequiredService<SignatureStore>();
        var table = app.Services.GetRequiredService<TableServiceClient>().GetTableClient(TableNames.Signatures);

        var small = "bench-console-small-" + Guid.NewGuid().ToString("N")[..6];
        var large = "bench-console-large-" + Guid.NewGuid().ToString("N")[..6];
        await PipelineBenchmark.CreatePetitionAsync(admin, small);
        await PipelineBenchmark.CreatePetitionAsync(admin, large);
        var seedWatch = Stopwatch.StartNew();
        await SeedAsync(store, table, small, 10);
        await SeedAsync(store, table, large, n);
        var seedSeconds = seedWatch.Elapsed.TotalSeconds;
        Console.WriteLine($"seeded {n:N0} + 10 signatures in {seedSeconds:F0} s");

        // An operator session: the same cookie a browser holds.
        using var browser = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = admin.BaseAddress };
        var signIn = await browser.PostAsync("/console/operator", new FormUrlEncodedContent([new("key", "bench")]));
        var cookie = signIn.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).First(c => c.StartsWith("sp_console=", StringComparison.Ordinal));

        async Task<(double P50, double P95, double RequestsPerView, long Count)> MeasureAsync(string petitionId)
        {
            long count = 0;
            async Task<long> ViewAsync()
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/console/petitions/{petitionId}");
                request.Headers.Add("Cookie", cookie);
                using var response = await browser.SendAsync(request);
                response.EnsureSuccessStatusCode();
                using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                return json.RootElement.GetProperty("summary").GetProperty("signatureCount").GetInt64();
            }
            for (var i = 0; i < 30; i++) count = await ViewAsync();
            requests.Reset();
            var times = new List<double>(Views);
            for (var i = 0; i < Views; i++)
            {
                var watch = Stopwatch.StartNew();
                count = await ViewAsync();
                times.Add(watch.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            return (times[times.Count / 2], times[(int)(times.Count * 0.95)], requests.Count / (double)Views, count);
        }

        var ten = await MeasureAsync(small);
        var million = await MeasureAsync(large);
        Console.WriteLine($"10: p50 {ten.P50:F1} ms, {ten.RequestsPerView:F1} requests/view; {n:N0}: p50 {million.P50:F1} ms, {million.RequestsPerView:F1} requests/view");

        string Mark(bool ok) => ok ? "met" : "not met";
        var md = new StringBuilder();
        md.AppendLine("## Organizers' console: the petition view");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Machine.Describe()}, with other builds and tests running on the machine. `dotnet run -c Release --project bench/SignaturePipeline.Bench -- --console {n}`.");
        md.AppendLine(CultureInfo.InvariantCulture, $"`GET /api/console/petitions/{{id}}` with an operator session, {Views} sequential views after 30 unmeasured, local host on Azurite, {options.Shards} shards. Signatures seeded through `SignatureStore.RowsOf` over 30 days, with each shard's counter computed by `SignatureStore.CounterAfter` (the commit's computation; for the small petition checked against a recount of its rows), {seedSeconds:N0} s in all.");
        md.AppendLine();
        md.AppendLine("| petition | counted | p50 | p95 | storage requests per view | target |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | --- |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| 10 signatures | {ten.Count:N0} | {ten.P50:F1} ms | {ten.P95:F1} ms | {ten.RequestsPerView:F1} | |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| {n:N0} signatures | {million.Count:N0} | {million.P50:F1} ms | {million.P95:F1} ms | {million.RequestsPerView:F1} | p50 < 50 ms: {Mark(million.P50 < 50)}; same requests as for 10: {Mark(Math.Abs(million.RequestsPerView - ten.RequestsPerView) < 0.01)} |");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"What a view reads: the definition (1 point read), one counter per shard ({options.Shards} point reads: total, states, days, recent hours and ZIP3 areas are properties of it), the outcome counts (1 point read), and the petition's milestones and deliveries (1 partition range query each, a row per milestone and per target-week). None of it grows with the signatures.");
        return md.ToString();
    }

    private static async Task SeedAsync(SignatureStore store, TableClient table, string petitionId, int count)
    {
        var buffers = Enumerable.Range(0, store.ShardCount).Select(_ => new List<SignatureStore.Pending>(SignatureStore.MaxInsertsPerTransaction)).ToArray();
        var counters = new TableEntity?[store.ShardCount];
        var now = DateTimeOffset.UtcNow;
        var inFlight = new List<Task>();
        var start = DateTimeOffset.UtcNow.AddDays(-30);
        var step = TimeSpan.FromTicks(TimeSpan.FromDays(30).Ticks / Math.Max(1, count));
        async Task FlushAsync(int shard)
        {
            var items = buffers[shard].ToList();
            buffers[shard].Clear();
            var pk = SignatureStore.PartitionKeyOf(petitionId, shard);
            var countedAt = items[^1].SignedAt.AddSeconds(1);
            var rows = SignatureStore.RowsOf(pk, items, countedAt);
            counters[shard] = SignatureStore.CounterAfter(pk, counters[shard], items, countedAt, now);
            inFlight.Add(table.SubmitTransactionAsync(rows.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r))));
            if (inFlight.Count >= 8)
            {
                await Task.WhenAll(inFlight);
                inFlight.Clear();
            }
        }
        for (var i = 0; i < count; i++)
        {
            var (state, zip) = Places[i % Places.Length];
            var email = $"signer{i}@example.org";
            var valid = new ValidSignature("Ana", "García", email, email, zip, state, null, "US", null, false);
            var (shard, rowKey) = store.KeyOf(petitionId, email);
            buffers[shard].Add(new SignatureStore.Pending("bench", valid, start + step * i, shard, rowKey));
            if (buffers[shard].Count == SignatureStore.MaxInsertsPerTransaction) await FlushAsync(shard);
            if ((i + 1) % 100_000 == 0) Console.WriteLine($"  {i + 1:N0} seeded");
        }
        for (var shard = 0; shard < buffers.Length; shard++)
            if (buffers[shard].Count > 0) await FlushAsync(shard);
        await Task.WhenAll(inFlight);
        foreach (var counter in counters.OfType<TableEntity>()) await table.UpsertEntityAsync(counter, TableUpdateMode.Replace);
        // The small petition is proved against its rows: the recount finds nothing to repair.
        if (count <= 1000)
            for (var shard = 0; shard < store.ShardCount; shard++)
                if (await store.RepairShardAsync(petitionId, shard, CancellationToken.None)) throw new InvalidOperationException($"Seeded counter of shard {shard} disagrees with its rows.");
    }

    /// <summary>Every request the host's table client sends (reads and queries alike).</summary>
    private sealed class HostTableRequests : HttpPipelineSynchronousPolicy
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public void Register(IServiceCollection services)
        {
            var options = new TableClientOptions();
            options.AddPolicy(this, HttpPipelinePosition.PerCall);
            services.AddSingleton(sp => sp.GetRequiredService<StorageConnection>().CreateTableServiceClient(options));
        }

        public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref _count);

        public void Reset() => Interlocked.Exchange(ref _count, 0);
    }
}
