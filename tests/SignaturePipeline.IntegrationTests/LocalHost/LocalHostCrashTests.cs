using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using SignaturePipeline.IntegrationTests.Faults;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.LocalHost.Azurite;
using Xunit.Abstractions;

namespace SignaturePipeline.IntegrationTests.LocalHost;

/// <summary>
/// The local host as a developer runs it, with the Azurite it starts itself on disk, killed as a crash kills a job
/// (SIGKILL to its process group) in the middle of a load, then started again: every signature it answered 202 must
/// reach a final state, and a clean shutdown must stop that Azurite too.
/// </summary>
public sealed class LocalHostCrashTests(ITestOutputHelper output)
{
    private const int Signers = 600;
    private const int KillAfter = 250;
    private const string AdminKey = "crash-admin-key";
    private const string Never = "0 0 0 1 1 *";

    private sealed record Posted(int Signer, int Status, string? ReceiptId);

    [Fact]
    public async Task A_host_killed_under_load_with_its_process_group_leaves_its_Azurite_running_and_loses_no_accepted_signature()
    {
        var work = Directory.CreateTempSubdirectory("localhost-crash-");
        var data = Path.Combine(work.FullName, "azurite");
        var ports = new AzuritePorts(AzuriteProcess.FreePort(), AzuriteProcess.FreePort(), AzuriteProcess.FreePort());
        var environment = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = AzuriteProcess.ConnectionStringFor(ports.Blob, ports.Queue, ports.Table),
            // The launcher's own path: the host starts Azurite on these ports, with data in this test's folder.
            ["LocalHost__StartAzurite"] = "true",
            ["LocalHost__Azurite__Location"] = data,
            ["LocalHost__SeedDemoPetitions"] = "false",
            ["AdminKey"] = AdminKey,
            ["Pipeline__SecretKey"] = "crash-test-secret-key-0123456789",
            ["Pipeline__ShardCount"] = "4",
            ["LocalHost__Queues__VisibilityTimeout"] = "00:00:01",
            ["LocalHost__Queues__MaxPollingInterval"] = "00:00:00.250",
            // The killed host's messages come back after this, not after the 10 minutes Functions allows a live one.
            ["LocalHost__Queues__ProcessingLease"] = "00:00:10",
            ["Email__Transport"] = "pickup",
            ["Email__PickupDirectory"] = Path.Combine(work.FullName, "mail"),
            ["SendMilestoneEmailsSchedule"] = Never,
            ["SendSignerEmailsSchedule"] = Never,
            ["CompileWeeklyDeliveriesSchedule"] = Never,
            ["FinishDeliveriesSchedule"] = Never,
            ["AnonymiseClosedPetitionsSchedule"] = Never,
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__SignaturePipeline.LocalHost.Azurite"] = "Information",
        };
        var logs = Directory.CreateDirectory(Path.Combine(AzuriteFixture.RepositoryRoot, "artifacts", "crash-logs")).FullName;
        var logPath = Path.Combine(logs, "host.log");
        File.Delete(logPath);
        var host = new HostProcess("local", AzuriteProcess.FreePort(), environment, logPath, ownProcessGroup: true);
        try
        {
            await host.StartAsync(TimeSpan.FromSeconds(90));
            var azurite = RecordedAzurite(data);
            using var admin = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(30) };
            admin.DefaultRequestHeaders.Add("x-functions-key", AdminKey);
            var petition = "crash-" + Guid.NewGuid().ToString("N")[..8];
            (await admin.PutAsJsonAsync($"/api/admin/petitions/{petition}", new
            {
                title = "Crash test", letter = "Dear Governor,\nPlease act.", requireConfirmation = false,
                targets = new[] { new { kind = "governor", name = "Gov. Test", email = "governor@deliveries.example.org", state = "NY" } },
                organizers = new[] { "organizers@example.org" }, goal = 10_000, milestones = Array.Empty<int>(), status = "open", allowedOrigins = new[] { "*" },
            })).EnsureSuccessStatusCode();

            var posted = new ConcurrentBag<Posted>();
            var completed = 0;
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var load = LoadAsync(client, host, petition, posted, () => Interlocked.Increment(ref completed));
            while (Volatile.Read(ref completed) < KillAfter && !load.IsCompleted) await Task.Delay(20);
            var acceptedBeforeKill = posted.Count(p => p.Status == 202);
            host.KillProcessGroup();
            var outlived = DetachedAzurite.IsAlive(azurite);
            output.WriteLine($"Host's process group killed after {acceptedBeforeKill} signatures were accepted; Azurite (pid {azurite}) {(outlived ? "still runs" : "died with it")}.");
            await host.StartAsync(TimeSpan.FromSeconds(90));
            var reused = RecordedAzurite(data);
            await load.WaitAsync(TimeSpan.FromMinutes(4));

            var accepted = posted.Where(p => p.Status == 202).ToList();
            var finals = await FinalStatesAsync(admin, accepted, TimeSpan.FromMinutes(2));
            var lost = accepted.Where(p => !finals.ContainsKey(p.ReceiptId!)).ToList();
            output.WriteLine($"{accepted.Count} accepted, {finals.Count} final ({string.Join(", ", finals.Values.GroupBy(s => s).Select(g => $"{g.Key} {g.Count()}"))}), {lost.Count} never final.");
            Assert.True(lost.Count == 0, $"{lost.Count} of {accepted.Count} signatures answered 202 never reached a final state, e.g. receipts {string.Join(", ", lost.Take(5).Select(p => p.ReceiptId))}.");
            Assert.All(posted, p => Assert.Equal(202, p.Status));
            // Each signer counted exactly once. A signer whose answer the crash cut off submitted again and holds a
            // duplicate: the first, unanswered attempt is the one that counted.
            Assert.All(finals.Values, status => Assert.Contains(status, new[] { "counted", "duplicate" }));
            var count = (await admin.GetFromJsonAsync<JsonElement>($"/api/petitions/{petition}")).GetProperty("signatureCount").GetInt64();
            Assert.Equal(Signers, count);
            var health = await admin.GetFromJsonAsync<JsonElement>("/api/admin/health?recount=true");
            Assert.DoesNotContain(health.GetProperty("drift").EnumerateArray(), d => d.GetProperty("petitionId").GetString() == petition);

            Assert.True(outlived, "Azurite died with the host's process group.");
            Assert.Equal(azurite, reused);

            // A clean shutdown (SIGTERM, as Ctrl+C) stops the Azurite the restarted host reused, and its record with it.
            Assert.Equal(0, await host.StopAsync(TimeSpan.FromSeconds(60)));
            Assert.False(DetachedAzurite.IsAlive(azurite), $"Azurite (pid {azurite}) still runs after the host stopped cleanly.");
            Assert.False(AzuriteProcess.IsListening(ports.Blob) || AzuriteProcess.IsListening(ports.Queue) || AzuriteProcess.IsListening(ports.Table));
            Assert.False(File.Exists(DetachedAzurite.PidFile(data)));
            Assert.Contains("successfully closed", await File.ReadAllTextAsync(DetachedAzurite.LogFile(data)), StringComparison.Ordinal);
        }
        finally
        {
            await host.DisposeAsync();
            // Whatever happened above, no Azurite of this test outlives it.
            KillProcessesOn(data);
            try { work.Delete(recursive: true); } catch (IOException) { }
        }
    }

    private static int RecordedAzurite(string data)
    {
        using var record = JsonDocument.Parse(File.ReadAllText(DetachedAzurite.PidFile(data)));
        return record.RootElement.GetProperty("Pid").GetInt32();
    }

    /// <summary>16 form-like clients, one signer each at a time; a dropped connection or a 5xx is retried until a final answer.</summary>
    private static Task LoadAsync(HttpClient client, HostProcess host, string petition, ConcurrentBag<Posted> posted, Action done)
    {
        var next = -1;
        return Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            int signer;
            while ((signer = Interlocked.Increment(ref next)) < Signers)
            {
                var body = new { firstName = "Signer", lastName = $"Number{signer}", email = $"crash.signer{signer}@example.org", postalCode = "10001", state = "NY" };
                var deadline = Stopwatch.StartNew();
                while (true)
                {
                    try
                    {
                        using var response = await client.PostAsJsonAsync(new Uri(host.Address, $"/api/petitions/{petition}/signatures"), body);
                        var status = (int)response.StatusCode;
                        if (status < 500)
                        {
                            var receipt = status == 202 ? (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("receiptId").GetString() : null;
                            posted.Add(new Posted(signer, status, receipt));
                            break;
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                    {
                        // The host is down: a form would submit again.
                    }
                    if (deadline.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException($"Signer {signer} got no final answer in 3 minutes.");
                    await Task.Delay(100);
                }
                done();
            }
        }));
    }

    /// <summary>The receipts' states once none of them changes any more (or the limit passes): only final ones are kept.</summary>
    private static async Task<ConcurrentDictionary<string, string>> FinalStatesAsync(HttpClient client, List<Posted> accepted, TimeSpan limit)
    {
        var finals = new ConcurrentDictionary<string, string>();
        var waited = Stopwatch.StartNew();
        while (finals.Count < accepted.Count && waited.Elapsed < limit)
        {
            await Parallel.ForEachAsync(accepted.Where(p => !finals.ContainsKey(p.ReceiptId!)), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (p, ct) =>
            {
                using var response = await client.GetAsync($"/api/receipts/{p.ReceiptId}", ct);
                if (!response.IsSuccessStatusCode) return;
                var status = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("status").GetString()!;
                if (status is "counted" or "duplicate" or "rejected" or "poisoned") finals[p.ReceiptId!] = status;
            });
            if (finals.Count < accepted.Count) await Task.Delay(1_000);
        }
        return finals;
    }

    /// <summary>SIGKILL to every process whose command line names this test's own data folder (its Azurite, whoever started it).</summary>
    private static void KillProcessesOn(string data)
    {
        foreach (var folder in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var pid)) continue;
            string commandLine;
            try { commandLine = File.ReadAllText(Path.Combine(folder, "cmdline")); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            if (!commandLine.Split('\0').Contains(data, StringComparer.Ordinal)) continue;
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // Gone already.
            }
        }
    }
}
