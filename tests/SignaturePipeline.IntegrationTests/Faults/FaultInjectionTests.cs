using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using SignaturePipeline.Email;
using SignaturePipeline.Intake;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.LocalHost.Azurite;
using SignaturePipeline.Milestones;
using SignaturePipeline.Receipts;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;
using SignaturePipeline.Storage;
using Xunit.Abstractions;

namespace SignaturePipeline.IntegrationTests.Faults;

/// <summary>
/// The real local host (as processes) on a real Azurite with on-disk data, under a steady load of
/// generated signatures with a known expected outcome each, while storage and hosts are killed and restarted,
/// a message is delivered twice, poison is injected and two hosts compete. Afterwards storage alone must show:
/// nothing lost, nothing counted twice, every milestone emailed exactly once.
/// </summary>
[Collection(FaultsGroup.Name)]
public sealed class FaultInjectionTests(ITestOutputHelper output)
{
    private const int Signatures = 10_000;
    private const string AdminKey = "fault-admin-key";
    private const string SecretKey = "fault-suite-secret-key-0123456789";
    private static readonly int[] Milestones = [100, 1_000, 5_000];
    private static readonly (string State, string Zip)[] Places = [("NY", "10001"), ("CA", "90210"), ("TX", "75001"), ("IL", "60601")];

    private enum Expect { Counted, Duplicate, Invalid }

    private sealed record Planned(int Index, int Person, Expect Expect, object Body);

    private sealed record Posted(Planned Plan, int Status, string? ReceiptId, int Attempts, int ServerErrors, int ConnectionErrors);

    [Fact]
    public async Task Under_storage_and_host_crashes_nothing_is_lost_nothing_is_counted_twice_and_each_milestone_is_emailed_once()
    {
        var total = Stopwatch.StartNew();
        var root = AzuriteFixture.RepositoryRoot;
        var work = Directory.CreateTempSubdirectory("faults-");
        var mail = Path.Combine(work.FullName, "mail");
        var (blobPort, queuePort, tablePort) = (AzuriteProcess.FreePort(), AzuriteProcess.FreePort(), AzuriteProcess.FreePort());
        var azurite = await AzuriteProcess.StartAsync(root, Path.Combine(work.FullName, "azurite"), blobPort, queuePort, tablePort);
        var environment = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["AdminKey"] = AdminKey,
            ["Pipeline__SecretKey"] = SecretKey,
            ["Pipeline__ShardCount"] = "4",
            ["LocalHost__StartAzurite"] = "false",
            ["LocalHost__SeedDemoPetitions"] = "false",
            ["LocalHost__Queues__VisibilityTimeout"] = "00:00:01",
            ["LocalHost__Queues__MaxPollingInterval"] = "00:00:00.250",
            // A killed host's messages come back after this, not after the 10 minutes Functions allows a live one.
            ["LocalHost__Queues__ProcessingLease"] = "00:00:15",
            ["Email__Transport"] = "pickup",
            ["Email__PickupDirectory"] = mail,
            ["SendMilestoneEmailsSchedule"] = "0 0 0 1 1 *",
            ["CompileWeeklyDeliveriesSchedule"] = "0 0 0 1 1 *",
            // The shortest margin the pipeline accepts: longer than a commit may take, so no transaction in flight is skipped.
            ["Deliveries__SafetyMarginSeconds"] = "90",
            ["FinishDeliveriesSchedule"] = "0 0 0 1 1 *",
            // A killed run's claim lapses after this; the sweep below then finishes what it left.
            ["Deliveries__ClaimLeaseSeconds"] = "15",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        // Kept in artifacts/ (CI keeps that folder) so that a failed run can be read afterwards.
        var logs = Directory.CreateDirectory(Path.Combine(root, "artifacts", "fault-logs")).FullName;
        foreach (var old in Directory.GetFiles(logs)) File.Delete(old);
        var hostA = new HostProcess("A", AzuriteProcess.FreePort(), environment, Path.Combine(logs, "host-a.log"));
        var hostB = new HostProcess("B", AzuriteProcess.FreePort(), environment, Path.Combine(logs, "host-b.log"));
        var report = new List<string>();
        try
        {
            await hostA.StartAsync(TimeSpan.FromSeconds(60));
            using var admin = new HttpClient { BaseAddress = hostA.Address, Timeout = TimeSpan.FromSeconds(10) };
            admin.DefaultRequestHeaders.Add("x-functions-key", AdminKey);
            var petition = "faults-" + Guid.NewGuid().ToString("N")[..8];
            (await admin.PutAsJsonAsync($"/api/admin/petitions/{petition}", new
            {
                title = "Fault suite", letter = "Dear President,\nPlease act.", requireConfirmation = false,
                targets = new[] { new { kind = "president", name = "President", email = "president@deliveries.example.org" } },
                organizers = new[] { "organizers@example.org" }, goal = 9_000, milestones = Milestones, status = "open", allowedOrigins = new[] { "*" },
            })).EnsureSuccessStatusCode();

            var plan = Plan(petition);
            var hosts = new[] { hostA, hostB };
            var completed = 0;
            var posted = new ConcurrentBag<Posted>();
            // Recovery: from the moment of a kill to the first 202 of a request that started after it.
            var faultClock = new ConcurrentDictionary<string, double>();
            var firstAcceptAfter = new ConcurrentDictionary<string, double>();

            using var loadClient = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { Timeout = TimeSpan.FromSeconds(8) };
            var load = RunLoadAsync(loadClient, petition, plan, hosts, posted, () => Interlocked.Increment(ref completed), faultClock, firstAcceptAfter, total);

            async Task WaitFor(int progress) { while (Volatile.Read(ref completed) < progress && !load.IsCompleted) await Task.Delay(50); }
            void Mark(string fault)
            {
                faultClock[fault] = total.Elapsed.TotalSeconds;
                Timeline(logs, fault);
            }

            using var timers = new CancellationTokenSource();
            var overlappingTimers = RunTimersAsync(hosts, timers.Token);

            await WaitFor(1_500);
            azurite = await RestartAzuriteAsync(azurite, hosts, root, work, blobPort, queuePort, tablePort, () => Mark("storage kill 1"), logs);
            report.Add("storage killed (SIGKILL) and restarted on its data");

            await WaitFor(3_000);
            hostA.Kill();
            Mark("host A kill 1");
            await hostA.StartAsync(TimeSpan.FromSeconds(60));
            report.Add("host A killed mid-batch (SIGKILL) and restarted");

            await WaitFor(4_000);
            var (twice, poison) = await InjectMessagesAsync(environment, petition);
            Timeline(logs, $"injected: the twice-delivered message; poison {string.Join(", ", poison)}");
            report.Add("one message delivered twice; three poison messages injected");

            await WaitFor(5_000);
            await hostB.StartAsync(TimeSpan.FromSeconds(60));
            Timeline(logs, "host B started");
            report.Add("host B started on the same storage: competing consumers, overlapping timers");

            await WaitFor(6_500);
            azurite = await RestartAzuriteAsync(azurite, hosts, root, work, blobPort, queuePort, tablePort, () => Mark("storage kill 2"), logs);

            await WaitFor(8_000);
            hostA.Kill();
            Mark("host A kill 2");
            await hostA.StartAsync(TimeSpan.FromSeconds(60));

            await load.WaitAsync(TimeSpan.FromMinutes(6));
            var loadSeconds = total.Elapsed.TotalSeconds;
            await timers.CancelAsync();
            await overlappingTimers;

            // Drain: every accepted receipt final, the queue empty. Bounded.
            await using var services = BuildServices(environment);
            var receipts = services.GetRequiredService<ReceiptStore>();
            var accepted = posted.Where(p => p.Status == 202).ToList();
            var finals = new ConcurrentDictionary<string, Receipt>();
            var drain = Stopwatch.StartNew();
            while (drain.Elapsed < TimeSpan.FromMinutes(3))
            {
                await Parallel.ForEachAsync(accepted.Where(p => !finals.ContainsKey(p.ReceiptId!)), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (p, ct) =>
                {
                    var r = await receipts.GetAsync(p.ReceiptId!, ct);
                    if (r is { Status: not ReceiptStatus.Pending }) finals[p.ReceiptId!] = r;
                });
                if (finals.Count == accepted.Count) break;
                await Task.Delay(1_000);
            }
            foreach (var receiptId in twice) finals.TryAdd(receiptId, (await receipts.GetAsync(receiptId, CancellationToken.None))!);
            // Milestone runs on both hosts, twice, then on until none is pending: a milestone whose claim a killed host
            // held waits out that claim's lease (host A is killed while the timers run), then the next run sends it.
            async Task<bool> AnyMilestonePendingAsync() =>
                (await services.GetRequiredService<MilestoneStore>().ListAsync(petition, CancellationToken.None)).Any(r => r.State == MilestoneState.Pending);
            var milestonesSettling = Stopwatch.StartNew();
            for (var round = 0; round < 2 || (await AnyMilestonePendingAsync() && milestonesSettling.Elapsed < MilestoneNotifier.ClaimLease + TimeSpan.FromSeconds(30)); round++)
            {
                if (round >= 2) await Task.Delay(TimeSpan.FromSeconds(2));
                await Task.WhenAll(hosts.Where(h => h.IsRunning).Select(h => RunMilestonesAsync(h)));
            }

            // Checks, from storage alone.
            var lost = accepted.Count(p => !finals.ContainsKey(p.ReceiptId!));
            Assert.Equal(0, lost);
            Assert.All(posted, p => Assert.Equal(p.Plan.Expect == Expect.Invalid ? 400 : 202, p.Status));

            var store = services.GetRequiredService<SignatureStore>();
            var counts = await store.GetCountsAsync(petition, CancellationToken.None);
            var recount = await store.RecountAsync(petition, CancellationToken.None);
            var persons = plan.Where(p => p.Expect != Expect.Invalid).Select(p => p.Person).Distinct().Count() + twice.Count;
            Assert.Equal(recount.Total, counts.Total);
            Assert.Equal(recount.ByState, counts.ByState);
            Assert.Equal(persons, recount.Total);

            // A form that retried after a lost answer holds a "duplicate" receipt for a person its first, unseen
            // attempt counted: the rows prove that person counted once. No person may hold two counted receipts.
            var counted = finals.Values.Count(r => r.Status == ReceiptStatus.Counted);
            var countedPerPerson = accepted.Where(p => p.Plan.Person >= 0 && finals[p.ReceiptId!].Status == ReceiptStatus.Counted)
                .GroupBy(p => p.Plan.Person).Select(g => g.Count()).ToList();
            Assert.All(countedPerPerson, n => Assert.Equal(1, n));
            var doubleCounted = countedPerPerson.Count(n => n > 1) + (int)Math.Max(0, recount.Total - persons);
            var answerLost = persons - twice.Count - countedPerPerson.Count;

            var (poisoned, failureRows) = await PoisonReasonsAsync(services, poison);
            Assert.True(poisoned.Order().SequenceEqual(["malformed_message", "message_too_large", "unknown_schema"]),
                $"Poisoned with reasons: [{string.Join(", ", poisoned.Order())}]; their failure rows: {failureRows}");

            var (expectedEmails, emails) = await MilestoneEmailsAsync(services, petition, mail);
            Assert.Equal(expectedEmails, emails);

            // The due delivery: once every signature is past the safety margin, deliveries are asked for four times at
            // once (both hosts, the admin route and the timer), and host A is killed while they run, then restarted.
            await Task.Delay(TimeSpan.FromSeconds(92));
            // Host A is killed the moment its run is seen holding the delivery (or, if it was faster, once it is sent).
            var deliveryStore = services.GetRequiredService<SignaturePipeline.Deliveries.DeliveryStore>();
            var deliveryRuns = new List<Task> { DeliverAsync(hostA, petition), RunTimerAsync(hostA, "CompileWeeklyDeliveries") };
            var heldByA = await ClaimedOrSentAsync(deliveryStore, petition, TimeSpan.FromSeconds(20));
            deliveryRuns.AddRange(hosts.Where(h => h != hostA && h.IsRunning).SelectMany(h => new[] { DeliverAsync(h, petition), RunTimerAsync(h, "CompileWeeklyDeliveries") }));
            hostA.Kill();
            await Task.WhenAll(deliveryRuns);
            await hostA.StartAsync(TimeSpan.FromSeconds(60));
            // Host A's claim lapses within the lease, and the FinishDeliveries sweep (run on both hosts at once, as
            // overlapping timers) takes the delivery from where A stopped.
            var restarted = Stopwatch.StartNew();
            var sweeps = 0;
            IReadOnlyList<SignaturePipeline.Deliveries.DeliveryRecord> deliveries;
            while (true)
            {
                deliveries = await deliveryStore.ListAsync(petition, null, CancellationToken.None);
                if (deliveries.Count > 0 && deliveries.All(d => d.State == SignaturePipeline.Deliveries.DeliveryState.Sent)) break;
                if (restarted.Elapsed > TimeSpan.FromSeconds(60)) break;
                await Task.WhenAll(hosts.Select(h => RunTimerAsync(h, "FinishDeliveries")));
                sweeps++;
                await Task.Delay(2_000);
            }
            var finishedAfter = restarted.Elapsed;
            await Task.WhenAll(hosts.Select(h => DeliverAsync(h, petition)));
            deliveries = await deliveryStore.ListAsync(petition, null, CancellationToken.None);
            var delivery = Assert.Single(deliveries);
            Assert.Equal((SignaturePipeline.Deliveries.DeliveryState.Sent, recount.Total), (delivery.State, delivery.Count));
            var deliveryEmails = (Directory.Exists(mail) ? Directory.GetFiles(mail, "*.eml") : [])
                .Select(f => MimeMessage.Load(f).Headers[EmailSender.KeyHeader] ?? "")
                .Count(k => k.StartsWith($"delivery:{petition}:", StringComparison.Ordinal));
            Assert.Equal(2, deliveryEmails); // the target's and the organizers' copy, each once

            var figures = new Dictionary<string, string>
            {
                ["signatures posted"] = Signatures.ToString("N0", CultureInfo.InvariantCulture),
                ["accepted (202)"] = accepted.Count.ToString("N0", CultureInfo.InvariantCulture),
                ["refused as invalid (400)"] = posted.Count(p => p.Status == 400).ToString("N0", CultureInfo.InvariantCulture),
                ["counted (rows; receipts seen by clients)"] = $"{recount.Total:N0}; {counted:N0}",
                ["duplicates"] = finals.Values.Count(r => r.Status == ReceiptStatus.Duplicate).ToString("N0", CultureInfo.InvariantCulture),
                ["rejected by the processor"] = finals.Values.Count(r => r.Status == ReceiptStatus.Rejected).ToString("N0", CultureInfo.InvariantCulture),
                ["poison messages (with reasons)"] = $"{poisoned.Count} ({string.Join(", ", poisoned.Order())})",
                ["lost"] = lost.ToString(CultureInfo.InvariantCulture),
                ["double-counted"] = doubleCounted.ToString(CultureInfo.InvariantCulture),
                ["signers whose counted attempt's answer was lost (their retry shows duplicate)"] = answerLost.ToString(CultureInfo.InvariantCulture),
                ["counters = recount (total and per state)"] = counts.Total == recount.Total ? "yes" : "no",
                ["5xx answers retried by the load generator"] = posted.Sum(p => p.ServerErrors).ToString("N0", CultureInfo.InvariantCulture),
                ["connection failures retried"] = posted.Sum(p => p.ConnectionErrors).ToString("N0", CultureInfo.InvariantCulture),
                ["milestone emails (expected / sent)"] = $"{expectedEmails} / {emails}",
                ["deliveries due / compiled (4 overlapping runs, a host killed mid-run)"] = $"1 / {deliveries.Count}, {delivery.Count:N0} signers, 2 emails",
                ["delivery when host A was killed"] = heldByA,
                ["delivery sent, after the killed host's restart"] = sweeps == 0 ? "already sent" : $"{finishedAfter.TotalSeconds:F0} s, by the FinishDeliveries sweep ({sweeps} rounds; claim lease 15 s)",
            };
            foreach (var (fault, at) in faultClock.OrderBy(f => f.Value))
                figures[$"recovery after {fault}: to the first 202 of a request sent after it"] = firstAcceptAfter.TryGetValue(fault, out var back) ? $"{back - at:F1} s" : "n/a";
            figures["load phase / whole suite"] = $"{loadSeconds:F0} s / {total.Elapsed.TotalSeconds:F0} s";
            var markdown = Report(report, figures);
            output.WriteLine(markdown);
            Directory.CreateDirectory(Path.Combine(root, "artifacts"));
            await File.WriteAllTextAsync(Path.Combine(root, "artifacts", "fault-report.md"), markdown);
            if (Environment.GetEnvironmentVariable("WRITE_BENCHMARKS") == "1") WriteBenchmarksSection(root, markdown);
            Assert.True(total.Elapsed < TimeSpan.FromMinutes(10), $"The suite took {total.Elapsed}.");
        }
        finally
        {
            await hostA.DisposeAsync();
            await hostB.DisposeAsync();
            await azurite.DisposeAsync();
            try { work.Delete(recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>A mix with a known outcome each: unique signers, alias duplicates of them, and invalid ones. Fixed seed.</summary>
    private static List<Planned> Plan(string petition)
    {
        var random = new Random(20261123);
        var list = new List<Planned>(Signatures);
        var person = 0;
        for (var i = 0; i < Signatures; i++)
        {
            var roll = random.Next(100);
            if (roll < 15 && person > 10)
            {
                var of = random.Next(person);
                var (state, zip) = Places[of % Places.Length];
                // Gmail aliases of an earlier signer: dots and a +tag, another domain spelling.
                var email = (of % 2 == 0 ? $"s.i.g.n.e.r.{of}+p{i}@googlemail.com" : $"Signer{of}+x@GMAIL.com");
                list.Add(new Planned(i, of, Expect.Duplicate, Body($"Alias{i}", email, state, zip)));
            }
            else if (roll < 30)
            {
                var body = (roll % 3) switch
                {
                    0 => Body("Bad", $"nobody{i}@example.org", "NY", "90210"),
                    1 => Body("=HYPERLINK(\"x\")", $"formula{i}@example.org", "CA", "90210"),
                    _ => Body("Bad", $"not-an-email-{i}", "TX", "75001"),
                };
                list.Add(new Planned(i, -1, Expect.Invalid, body));
            }
            else
            {
                var (state, zip) = Places[person % Places.Length];
                list.Add(new Planned(i, person, Expect.Counted, Body($"Person{person}", $"signer{person}@gmail.com", state, zip)));
                person++;
            }
        }
        _ = petition;
        return list;
    }

    private static object Body(string last, string email, string state, string zip) =>
        new { firstName = "Signer", lastName = last, email, postalCode = zip, state };

    /// <summary>32 form-like clients. A 5xx or a dropped connection is retried, as a real form would, until a final answer.</summary>
    private static async Task RunLoadAsync(HttpClient client, string petition, List<Planned> plan, HostProcess[] hosts,
        ConcurrentBag<Posted> posted, Func<int> done, ConcurrentDictionary<string, double> faults, ConcurrentDictionary<string, double> firstAcceptAfter, Stopwatch clock)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 32).Select(async worker =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < plan.Count)
            {
                var item = plan[i];
                var body = JsonSerializer.SerializeToUtf8Bytes(item.Body);
                var (attempts, serverErrors, connectionErrors) = (0, 0, 0);
                var deadline = Stopwatch.StartNew();
                while (true)
                {
                    attempts++;
                    var live = hosts.Where(h => h.IsRunning).ToArray();
                    var host = live.Length == 0 ? hosts[0] : live[(i + attempts) % live.Length];
                    var sentAt = clock.Elapsed.TotalSeconds;
                    try
                    {
                        using var content = new ByteArrayContent(body);
                        content.Headers.ContentType = new("application/json");
                        using var response = await client.PostAsync(new Uri(host.Address, $"/api/petitions/{petition}/signatures"), content);
                        var status = (int)response.StatusCode;
                        if (status >= 500) { serverErrors++; }
                        else
                        {
                            string? receipt = null;
                            if (status == 202)
                            {
                                receipt = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("receiptId").GetString();
                                foreach (var (fault, at) in faults)
                                    if (sentAt > at) firstAcceptAfter.TryAdd(fault, clock.Elapsed.TotalSeconds);
                            }
                            posted.Add(new Posted(item, status, receipt, attempts, serverErrors, connectionErrors));
                            break;
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                    {
                        connectionErrors++;
                    }
                    if (deadline.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException($"Signature {i} got no final answer in 3 minutes.");
                    await Task.Delay(250);
                }
                done();
            }
        }));
    }

    /// <summary>
    /// Azurite writes its data to disk every 5 s (LokiJS autosave), so a SIGKILL can lose writes it already
    /// acknowledged, which Azure Storage never does. The hosts are frozen (SIGSTOP) first, for two autosave periods and
    /// until no save is half written (LokiJS writes <c>name~</c>, then renames it), so every acknowledged write is on
    /// disk however slow the machine; then storage dies and the hosts wake up to a dead store, as in an outage.
    /// </summary>
    private static async Task<AzuriteProcess> RestartAzuriteAsync(AzuriteProcess azurite, HostProcess[] hosts, string root, DirectoryInfo work, int blobPort, int queuePort, int tablePort, Action killed, string logs)
    {
        var running = hosts.Where(h => h.IsRunning).ToList();
        foreach (var h in running) Signal("STOP", h.ProcessId!.Value);
        Timeline(logs, "hosts frozen (SIGSTOP)");
        await Task.Delay(11_000);
        var data = new DirectoryInfo(Path.Combine(work.FullName, "azurite"));
        var saving = Stopwatch.StartNew();
        while (data.EnumerateFiles("*~", SearchOption.AllDirectories).Any() && saving.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(100);
        azurite.Kill();
        killed();
        foreach (var h in running) Signal("CONT", h.ProcessId!.Value);
        await Task.Delay(2_000); // the outage, as the hosts see it
        await azurite.DisposeAsync();
        var restarted = await AzuriteProcess.StartAsync(root, Path.Combine(work.FullName, "azurite"), blobPort, queuePort, tablePort);
        Timeline(logs, "storage listening again");
        return restarted;
    }

    private static void Timeline(string logs, string line) =>
        File.AppendAllText(Path.Combine(logs, "suite.log"), $"{DateTime.UtcNow:HH:mm:ss.fff} {line}{Environment.NewLine}");

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    private static async Task RunTimersAsync(HostProcess[] hosts, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            // Both hosts, and twice on each, at the same moment: overlapping timer runs.
            await Task.WhenAll(hosts.Where(h => h.IsRunning).SelectMany(h => new[] { RunMilestonesAsync(h), RunMilestonesAsync(h) }));
            try { await Task.Delay(1_500, ct); } catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>Waits until a run holds the petition's delivery, or it is sent; says which, for the report.</summary>
    private static async Task<string> ClaimedOrSentAsync(SignaturePipeline.Deliveries.DeliveryStore store, string petition, TimeSpan limit)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < limit)
        {
            var records = await store.ListAsync(petition, null, CancellationToken.None);
            var record = records.Count > 0 ? records[0] : null;
            if (record?.State == SignaturePipeline.Deliveries.DeliveryState.Sent) return "already sent";
            if (record?.ClaimedBy is not null) return $"claimed, {record.State.ToString().ToLowerInvariant()}";
            await Task.Delay(20);
        }
        return "not yet recorded";
    }

    private static async Task DeliverAsync(HostProcess host, string petition)
    {
        using var client = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("x-functions-key", AdminKey);
        try { await client.PostAsync($"/api/admin/petitions/{petition}/deliveries", null); }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
    }

    private static async Task RunTimerAsync(HostProcess host, string function)
    {
        using var client = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("x-functions-key", AdminKey);
        try { await client.PostAsync($"/admin/functions/{function}", new StringContent("{}")); }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
    }

    private static async Task RunMilestonesAsync(HostProcess host)
    {
        using var client = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("x-functions-key", AdminKey);
        try { await client.PostAsync("/admin/functions/SendMilestoneEmails", new StringContent("{}")); }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
    }

    private static ServiceProvider BuildServices(Dictionary<string, string> environment)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(environment.Select(kv => new KeyValuePair<string, string?>(kv.Key.Replace("__", ":", StringComparison.Ordinal), kv.Value)))
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSignaturePipeline(configuration);
        return services.BuildServiceProvider();
    }

    /// <summary>One message of 20 new signers sent twice, and three messages no retry can fix.</summary>
    private static async Task<(List<string> Twice, List<string> Poison)> InjectMessagesAsync(Dictionary<string, string> environment, string petition)
    {
        await using var services = BuildServices(environment);
        var hmac = services.GetRequiredService<Hmac>();
        var queue = services.GetRequiredService<QueueServiceClient>().GetQueueClient(QueueNames.Signatures);
        var batch = ReceiptId.NewBatch();
        var message = new SignatureMessage(SignatureMessage.CurrentSchema, Enumerable.Range(0, 20).Select(i => new QueuedSignature(
            ReceiptId.Create(hmac, batch, i).Value, petition, DateTimeOffset.UtcNow,
            new SignatureInput { FirstName = "Twice", LastName = $"Delivered{i}", Email = $"twice{i}@example.org", PostalCode = "10001", State = "NY" })).ToList());
        var text = message.Serialize();
        await RetryAsync(() => queue.SendMessageAsync(text));
        await RetryAsync(() => queue.SendMessageAsync(text));

        var oversized = new SignatureMessage(SignatureMessage.CurrentSchema, [message.Items[0] with
        {
            ReceiptId = ReceiptId.Create(hmac, ReceiptId.NewBatch(), 0).Value,
            Signature = message.Items[0].Signature with { Comment = new string('x', SignatureEnqueuer.MaxMessageBytes) },
        }]).Serialize();
        var poison = new List<string>();
        foreach (var body in new[] { "{ not json", text.Replace("\"schema\":1", "\"schema\":99", StringComparison.Ordinal), oversized })
            poison.Add((await RetryAsync(() => queue.SendMessageAsync(body))).Value.MessageId);
        return (message.Items.Select(i => i.ReceiptId).ToList(), poison);
    }

    private static async Task<T> RetryAsync<T>(Func<Task<T>> action)
    {
        for (var attempt = 1; ; attempt++)
        {
            try { return await action(); }
            catch (Exception) when (attempt < 20) { await Task.Delay(500); }
        }
    }

    private static async Task<(List<string> Reasons, string Rows)> PoisonReasonsAsync(ServiceProvider services, List<string> poisonIds)
    {
        var failures = services.GetRequiredService<TableServiceClient>().GetTableClient(TableNames.Failures);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var reasons = new List<string>();
            var rows = new List<string>();
            foreach (var id in poisonIds)
            {
                var row = await failures.GetEntityIfExistsAsync<TableEntity>(id, "failure");
                if (row.HasValue && row.Value!.GetBoolean("Poisoned") == true) reasons.Add(row.Value.GetString("Reason")!);
                rows.Add(row.HasValue ? $"{id}: {row.Value!.GetString("Reason")}, try {row.Value.GetInt64("DequeueCount")}, poisoned {row.Value.GetBoolean("Poisoned")}" : $"{id}: no row");
            }
            if (reasons.Count == poisonIds.Count || deadline.Elapsed > TimeSpan.FromMinutes(1)) return (reasons, string.Join("; ", rows));
            await Task.Delay(500);
        }
    }

    /// <summary>Every crossed milestone is sent or covered by a higher one's email; each sent one has exactly one .eml.</summary>
    private static async Task<(int Expected, int Sent)> MilestoneEmailsAsync(ServiceProvider services, string petition, string mail)
    {
        var records = await services.GetRequiredService<MilestoneStore>().ListAsync(petition, CancellationToken.None);
        Assert.Equal(Milestones, records.Select(r => r.Threshold).Order());
        Assert.All(records, r => Assert.NotEqual(MilestoneState.Pending, r.State));
        var expected = records.Count(r => r.State == MilestoneState.Sent);
        var files = Directory.Exists(mail) ? Directory.GetFiles(mail, "*.eml") : [];
        var perThreshold = files
            .Select(f => MimeMessage.Load(f).Headers[EmailSender.KeyHeader] ?? "")
            .Where(k => k.StartsWith($"milestone:{petition}:", StringComparison.Ordinal))
            .GroupBy(k => k.Split(':')[2])
            .ToDictionary(g => g.Key, g => g.Count());
        Assert.All(perThreshold, kv => Assert.Equal(1, kv.Value));
        return (expected, perThreshold.Values.Sum());
    }

    private static string Report(List<string> faults, Dictionary<string, string> figures)
    {
        var md = new StringBuilder();
        md.AppendLine("## Fault injection (issue 9)");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Last run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by `FaultInjectionTests` (CI runs it every time). Two local-host processes and Azurite with on-disk data; 32 form-like clients posting {Signatures:N0} generated signatures (unique signers, Gmail-alias duplicates, invalid ones), while:");
        md.AppendLine();
        foreach (var fault in faults) md.AppendLine(CultureInfo.InvariantCulture, $"- {fault}");
        md.AppendLine("- storage killed and restarted a second time; host A killed and restarted a second time");
        md.AppendLine("- milestone timers run on both hosts at once, twice each, every 1.5 s");
        md.AppendLine("- after the load: the weekly delivery asked for on host A, which is killed (SIGKILL) the moment it holds the delivery, while host B asks twice; host A restarted, then the FinishDeliveries sweep run on both hosts until the delivery is sent");
        md.AppendLine();
        md.AppendLine("| figure | value |");
        md.AppendLine("| --- | ---: |");
        foreach (var (name, value) in figures) md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {value} |");
        md.AppendLine();
        md.AppendLine("Azurite persists to disk every 5 s, so a SIGKILL can lose writes it had acknowledged; Azure Storage does not. Before each storage kill the hosts are frozen (SIGSTOP) for two autosave periods (11 s) and until no save is half written, so that nothing acknowledged is unsaved, then they wake to a dead store.");
        return md.ToString();
    }

    private static void WriteBenchmarksSection(string root, string markdown)
    {
        var path = Path.Combine(root, "BENCHMARKS.md");
        const string start = "<!-- bench:faults:start -->", end = "<!-- bench:faults:end -->";
        var text = File.Exists(path) ? File.ReadAllText(path) : "# Benchmarks\n";
        var block = $"{start}\n{markdown.TrimEnd()}\n{end}";
        var from = text.IndexOf(start, StringComparison.Ordinal);
        text = from >= 0 ? text[..from] + block + text[(text.IndexOf(end, StringComparison.Ordinal) + end.Length)..] : text.TrimEnd() + "\n\n" + block + "\n";
        File.WriteAllText(path, text);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultsGroup
{
    public const string Name = "Faults";
}
