using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.Abuse;
using SignaturePipeline.Email;
using SignaturePipeline.Intake;
using SignaturePipeline.Receipts;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Milestones;

namespace SignaturePipeline.IntegrationTests.Milestones;

/// <summary>
/// The milestone timer against a real Azurite, through the production registration. Only the transport is
/// swapped, for one that records what it was given; everything it decides is stored in the real tables.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class ExactlyOnceTests(AzuriteFixture azurite)
{
    private async Task<(ServiceProvider Services, RecordingEmailTransport Transport, ShiftableClock Clock)> StartAsync(RecordingEmailTransport? transport = null)
    {
        transport ??= new RecordingEmailTransport();
        var clock = new ShiftableClock();
        var services = await azurite.BuildServicesAsync(configure: s =>
        {
            s.AddSingleton<IEmailTransport>(transport);
            s.AddSingleton<TimeProvider>(clock);
        });
        return (services, transport, clock);
    }

    private static async Task<IReadOnlyList<MilestoneRecord>> RecordsAsync(IServiceProvider services, string petitionId) =>
        await services.GetRequiredService<MilestoneStore>().ListAsync(petitionId, CancellationToken.None);

    [Fact]
    public async Task A_crossed_threshold_sends_exactly_one_email_to_the_organizers()
    {
        var (services, transport, _) = await StartAsync();
        await using var _ = services;
        var notifier = services.GetRequiredService<MilestoneNotifier>();
        var id = await Seed.PetitionAsync(services, goal: 10, milestones: [3, 5]);
        await Seed.SignAsync(services, id, 2);

        await notifier.RunAsync(CancellationToken.None);
        Assert.Empty(transport.ForPetition(id));

        await Seed.SignAsync(services, id, 2, first: 2);
        await notifier.RunAsync(CancellationToken.None);
        await notifier.RunAsync(CancellationToken.None);

        var (message, key) = Assert.Single(transport.ForPetition(id));
        Assert.Equal($"milestone:{id}:3", key);
        Assert.Equal([Seed.OrganizerOf(id)], message.To.Mailboxes.Select(m => m.Address));
        Assert.Contains("passed 3 supporters", message.Subject, StringComparison.Ordinal);
        Assert.Contains("Supporters now: 4", message.TextBody, StringComparison.Ordinal);
        var record = Assert.Single(await RecordsAsync(services, id));
        Assert.Equal(MilestoneState.Sent, record.State);
    }

    [Fact]
    public async Task Crossing_two_thresholds_at_once_sends_one_email_naming_the_highest()
    {
        var (services, transport, _) = await StartAsync();
        await using var _ = services;
        var id = await Seed.PetitionAsync(services, goal: 6, milestones: [2, 4]);
        await Seed.SignAsync(services, id, 7);

        var notifier = services.GetRequiredService<MilestoneNotifier>();
        await notifier.RunAsync(CancellationToken.None);
        await notifier.RunAsync(CancellationToken.None);

        var (message, key) = Assert.Single(transport.ForPetition(id));
        Assert.Equal($"milestone:{id}:6", key);
        Assert.Contains("reached its goal of 6 supporters", message.Subject, StringComparison.Ordinal);
        var records = await RecordsAsync(services, id);
        Assert.Equal([2, 4, 6], records.Select(r => r.Threshold));
        Assert.Equal([MilestoneState.Covered, MilestoneState.Covered, MilestoneState.Sent], records.Select(r => r.State));
    }

    [Fact]
    public async Task A_crash_between_record_and_send_still_ends_in_exactly_one_email()
    {
        var (services, transport, clock) = await StartAsync();
        await using var _ = services;
        var id = await Seed.PetitionAsync(services, goal: 10, milestones: [3]);
        await Seed.SignAsync(services, id, 3);

        // What a run that died right after its first write leaves behind: the fact, no email.
        var store = services.GetRequiredService<MilestoneStore>();
        Assert.True(await store.RecordAsync(id, 3, 3, clock.GetUtcNow(), CancellationToken.None));

        var notifier = services.GetRequiredService<MilestoneNotifier>();
        await notifier.RunAsync(CancellationToken.None);
        await notifier.RunAsync(CancellationToken.None);

        Assert.Equal($"milestone:{id}:3", Assert.Single(transport.ForPetition(id)).Key);
    }

    [Fact]
    public async Task A_run_that_crashed_holding_the_claim_is_taken_over_once_the_lease_expires()
    {
        var (services, transport, clock) = await StartAsync();
        await using var _ = services;
        var id = await Seed.PetitionAsync(services, goal: 10, milestones: [3]);
        await Seed.SignAsync(services, id, 3);

        var store = services.GetRequiredService<MilestoneStore>();
        await store.RecordAsync(id, 3, 3, clock.GetUtcNow(), CancellationToken.None);
        var record = Assert.Single(await store.ListAsync(id, CancellationToken.None));
        Assert.NotNull(await store.TryClaimAsync(record, "a-run-that-died", clock.GetUtcNow() + MilestoneNotifier.ClaimLease, CancellationToken.None));

        var notifier = services.GetRequiredService<MilestoneNotifier>();
        var whileHeld = await notifier.RunAsync(CancellationToken.None);
        Assert.Empty(transport.ForPetition(id));
        Assert.True(whileHeld.Busy >= 1);

        clock.Offset = MilestoneNotifier.ClaimLease + TimeSpan.FromMinutes(1);
        await notifier.RunAsync(CancellationToken.None);
        await notifier.RunAsync(CancellationToken.None);

        Assert.Single(transport.ForPetition(id));
        var sent = Assert.Single(await RecordsAsync(services, id));
        Assert.Equal(MilestoneState.Sent, sent.State);
        Assert.Equal(2, sent.Attempts);
    }

    [Fact]
    public async Task Overlapping_runs_on_one_host_and_two_hosts_at_once_send_one_email()
    {
        // Slow sends keep every run inside its send while the others arrive.
        var transport = new RecordingEmailTransport { Delay = TimeSpan.FromMilliseconds(300) };
        var (first, _, _) = await StartAsync(transport);
        var (second, _, _) = await StartAsync(transport);
        await using var a = first;
        await using var b = second;
        var id = await Seed.PetitionAsync(first, goal: 10, milestones: [2, 4]);
        await Seed.SignAsync(first, id, 5);

        var runs = new[] { first, first, second, second }
            .Select(s => Task.Run(() => s.GetRequiredService<MilestoneNotifier>().RunAsync(CancellationToken.None)));
        await Task.WhenAll(runs);

        var (message, key) = Assert.Single(transport.ForPetition(id));
        Assert.Equal($"milestone:{id}:4", key);
        Assert.Contains("passed 4 supporters", message.Subject, StringComparison.Ordinal);
        Assert.Equal([MilestoneState.Covered, MilestoneState.Sent], (await RecordsAsync(first, id)).Select(r => r.State));
    }

    [Fact]
    public async Task A_failed_send_is_retried_on_the_next_run_and_then_sent_once()
    {
        var (services, transport, _) = await StartAsync();
        await using var _ = services;
        var id = await Seed.PetitionAsync(services, goal: 10, milestones: [3]);
        var failures = 1;
        transport.FailWith = key => key.StartsWith($"milestone:{id}:", StringComparison.Ordinal) && Interlocked.Decrement(ref failures) >= 0
            ? new EmailSendException("relay unreachable")
            : null;
        await Seed.SignAsync(services, id, 3);

        var notifier = services.GetRequiredService<MilestoneNotifier>();
        var failed = await notifier.RunAsync(CancellationToken.None);
        Assert.True(failed.Failed >= 1);
        Assert.Empty(transport.ForPetition(id));
        var pending = Assert.Single(await RecordsAsync(services, id));
        Assert.Equal((MilestoneState.Pending, 1, "relay unreachable", null), (pending.State, pending.Attempts, pending.LastError, pending.ClaimedBy));

        await notifier.RunAsync(CancellationToken.None);
        await notifier.RunAsync(CancellationToken.None);

        // The attempt that may have reached the relay keeps its key: a transport that deduplicates sees one email.
        Assert.Equal($"milestone:{id}:3", Assert.Single(transport.ForPetition(id)).Key);
        Assert.Equal(MilestoneState.Sent, Assert.Single(await RecordsAsync(services, id)).State);
    }

    [Fact]
    public async Task A_send_refused_outright_is_retried_under_a_fresh_idempotency_key()
    {
        var (services, transport, _) = await StartAsync();
        await using var _ = services;
        var id = await Seed.PetitionAsync(services, goal: 10, milestones: [3]);
        var failures = 1;
        transport.FailWith = key => key.StartsWith($"milestone:{id}:", StringComparison.Ordinal) && Interlocked.Decrement(ref failures) >= 0
            ? new EmailSendException("ACS operation ended Failed") { NothingSent = true }
            : null;
        await Seed.SignAsync(services, id, 3);

        var notifier = services.GetRequiredService<MilestoneNotifier>();
        await notifier.RunAsync(CancellationToken.None);
        await notifier.RunAsync(CancellationToken.None);

        // ACS would answer a reused Operation-Id with the old, failed operation; a refusal sent nothing, so a new key is safe.
        Assert.Equal($"milestone:{id}:3:1", Assert.Single(transport.ForPetition(id)).Key);
    }

    [Fact]
    public async Task The_email_counts_the_last_day_from_hourly_snapshots_and_shows_recent_comments_without_addresses()
    {
        var (services, transport, clock) = await StartAsync();
        await using var _ = services;
        var id = await Seed.PetitionAsync(services, goal: 100, milestones: [5]);
        await Seed.SignAsync(services, id, 2, state: "CA");
        var notifier = services.GetRequiredService<MilestoneNotifier>();
        var beforeFirstRun = clock.GetUtcNow();
        await notifier.RunAsync(CancellationToken.None);
        // The snapshot's own time, not the clock's after the run: a run over every open petition may cross a minute.
        var snapshot = await services.GetRequiredService<MilestoneStore>().OldestSnapshotSinceAsync(id, beforeFirstRun, clock.GetUtcNow(), CancellationToken.None);
        Assert.NotNull(snapshot);
        var firstRun = snapshot.TakenAt;

        // A day less five minutes: the day's window then still opens in the snapshot's hour, whatever the seconds in between.
        clock.Offset = TimeSpan.FromHours(24) - TimeSpan.FromMinutes(5);
        await Seed.SignAsync(services, id, 4, first: 2, state: "NY", comment: "Families belong together.\nPlease <act> now & stop it.");
        await notifier.RunAsync(CancellationToken.None);

        var (message, _) = Assert.Single(transport.ForPetition(id));
        var since = firstRun.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"Signed in the last day (since {since} UTC): 4", message.TextBody, StringComparison.Ordinal);
        Assert.Matches(@"NY\s+4\n\s+CA\s+2", message.TextBody);
        Assert.Contains("Please &lt;act&gt; now &amp; stop it.", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("Please <act> now & stop it.", message.TextBody, StringComparison.Ordinal);
        Assert.Contains($"http://localhost:7071/petitions/{id}", message.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("signers.example.net", message.TextBody + message.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_email_quotes_only_comments_of_counted_signatures()
    {
        var (services, transport, clock) = await StartAsync();
        await using var _ = services;
        var id = await Seed.PetitionAsync(services, goal: 100, milestones: [3]);
        await Seed.SignAsync(services, id, 3, comment: "Counted and glad to be.");
        await Seed.SignAsync(services, id, 1, first: 3, comment: "Invalidated words.");
        var store = services.GetRequiredService<SignatureStore>();
        var (shard, rowKey) = store.KeyOf(id, CanonicalEmail.Canonicalize($"signer3.{id}@signers.example.net", services.GetRequiredService<CanonicalEmailRules>()));
        var invalidated = await store.TransitionAsync(id, shard, rowKey, _ => RowChange.Invalidate("test", clock.GetUtcNow()), CancellationToken.None);
        Assert.Equal(TransitionOutcome.Changed, invalidated.Outcome);
        var hmac = services.GetRequiredService<Hmac>();
        var held = new QueuedSignature(ReceiptId.Create(hmac, ReceiptId.NewBatch(), 0).Value, id, clock.GetUtcNow(), new SignatureInput
        {
            FirstName = "Held", LastName = "Signer", Email = $"held.{id}@signers.example.net", PostalCode = "10001", State = "NY", Comment = "Held words.",
        }) { Flag = AbuseFlags.IpBurst };
        await services.GetRequiredService<SignatureProcessor>().ProcessAsync(
            new SignatureMessage(SignatureMessage.CurrentSchema, [held]).Serialize(), Guid.NewGuid().ToString(), 1, CancellationToken.None);

        await services.GetRequiredService<MilestoneNotifier>().RunAsync(CancellationToken.None);

        var (message, _) = Assert.Single(transport.ForPetition(id));
        Assert.Contains("Counted and glad to be.", message.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("Invalidated words.", message.TextBody + message.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("Held words.", message.TextBody + message.HtmlBody, StringComparison.Ordinal);
    }
}
