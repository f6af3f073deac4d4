using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SignaturePipeline.Email;
using SignaturePipeline.Petitions;
using SignaturePipeline.Signatures;
using SignaturePipeline.Storage;
using SignaturePipeline.Timers;
using SignaturePipeline.Webhooks;

namespace SignaturePipeline.Milestones;

/// <summary>What one timer run did, for the host's log and for tests.</summary>
public sealed record MilestoneRunSummary(int Petitions, int Recorded, int Sent, int Covered, int Failed, int Busy)
{
    public static readonly MilestoneRunSummary Empty = new(0, 0, 0, 0, 0, 0);

    public static MilestoneRunSummary operator +(MilestoneRunSummary a, MilestoneRunSummary b) =>
        new(a.Petitions + b.Petitions, a.Recorded + b.Recorded, a.Sent + b.Sent, a.Covered + b.Covered, a.Failed + b.Failed, a.Busy + b.Busy);
}

/// <summary>
/// The <c>SendMilestoneEmails</c> timer: for each open petition, read the exact count, record every milestone
/// crossed, and email the organizers once about the highest new one.
/// <para>Exactly once, whatever fails: the milestone is recorded (AddEntity, 409 = already recorded) before any
/// send; a run claims it with an ETag-guarded write and a lease, sends under a deadline shorter than the lease,
/// then marks it sent under the claim's ETag. A crash before the send leaves it pending or with a lease that
/// expires; two runs at once meet at the ETag and one of them backs off; a failed send releases the claim for
/// the next run. A crash after the send but before the mark is the one window left: the retry reuses the same
/// idempotency key, which the pickup folder and ACS (Operation-Id) turn into a no-op; plain SMTP cannot.</para>
/// </summary>
public sealed class MilestoneNotifier(
    PetitionStore petitions,
    SignatureStore signatures,
    MilestoneStore milestones,
    EmailSender email,
    TimerRunLog timerRuns,
    WebhookEventLog webhookEvents,
    IOptions<PipelineOptions> pipelineOptions,
    TimeProvider clock,
    ILogger<MilestoneNotifier> logger)
{

    /// <summary>
    /// How long a crashed run's claim holds a milestone back. A live run renews it every third of this while it gathers
    /// and sends, however slow the email service (SMTP timeouts, ACS polling), so it need not cover the slowest send.
    /// </summary>
    public static readonly TimeSpan ClaimLease = TimeSpan.FromMinutes(1);

    /// <summary>The longest one send may take; a send also stops the moment its claim can no longer be renewed.</summary>
    public static readonly TimeSpan SendDeadline = TimeSpan.FromMinutes(8);

    public const int MaxComments = 5;
    public static readonly TimeSpan CommentWindow = TimeSpan.FromDays(7);

    private readonly ConcurrentDictionary<string, string> _snapshotWritten = new(StringComparer.Ordinal);

    public static string IdempotencyKey(string petitionId, int threshold, int generation = 0) =>
        generation == 0 ? $"milestone:{petitionId}:{threshold}" : $"milestone:{petitionId}:{threshold}:{generation}";

    public async Task<MilestoneRunSummary> RunAsync(CancellationToken ct)
    {
        // A claim names the run, not the host: two overlapping runs on one host must exclude each other too.
        var run = Guid.NewGuid().ToString("N");
        var summary = MilestoneRunSummary.Empty;
        foreach (var petition in (await petitions.ListAsync(ct).ConfigureAwait(false)).Where(p => p.IsOpen))
        {
            try
            {
                summary += await RunPetitionAsync(petition, run, ct).ConfigureAwait(false) with { Petitions = 1 };
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // One petition's trouble (a storage hiccup) must not hold back the others; its records wait for the next run.
                logger.LogError(e, "Milestones of {PetitionId} failed this run", petition.Id);
                summary += MilestoneRunSummary.Empty with { Petitions = 1, Failed = 1 };
            }
        }
        logger.LogInformation("Milestone run {Run}: {Petitions} petitions, {Recorded} recorded, {Sent} sent, {Covered} covered, {Failed} failed, {Busy} busy elsewhere",
            run, summary.Petitions, summary.Recorded, summary.Sent, summary.Covered, summary.Failed, summary.Busy);
        await timerRuns.RecordAsync(PipelineTimers.SendMilestoneEmails, ct).ConfigureAwait(false);
        return summary;
    }

    private async Task<MilestoneRunSummary> RunPetitionAsync(Petition petition, string run, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var counts = await signatures.GetCountsAsync(petition.Id, ct).ConfigureAwait(false);
        await SnapshotAsync(petition.Id, counts.Total, now, ct).ConfigureAwait(false);

        var crossed = MilestonePolicy.Crossed(MilestonePolicy.ThresholdsOf(petition), counts.Total);
        if (crossed.Count == 0) return MilestoneRunSummary.Empty;

        var records = await milestones.ListAsync(petition.Id, ct).ConfigureAwait(false);
        var recorded = 0;
        foreach (var threshold in crossed.Except(records.Select(r => r.Threshold)))
            if (await milestones.RecordAsync(petition.Id, threshold, counts.Total, now, ct).ConfigureAwait(false)) recorded++;
        if (recorded > 0 || records.Count < crossed.Count) records = await milestones.ListAsync(petition.Id, ct).ConfigureAwait(false);

        var covered = 0;
        MilestoneRecord? claimed = null;
        // A parallel run may record a higher milestone while this one claims; a few rounds settle on the highest.
        for (var round = 0; round < 3 && claimed is null; round++)
        {
            var decision = MilestonePolicy.Decide(records);
            covered += await CoverAsync(decision.CoverNow, decision.HighestSent ?? 0, ct).ConfigureAwait(false);
            var target = decision.Email;
            if (target is null) return new(0, recorded, 0, covered, 0, 0);
            if (target.IsClaimedByOther(run, now)) return new(0, recorded, 0, covered, 0, 1);

            // From the moment of the claim, not the run's start: the lease is short, and counting and listing came first.
            claimed = await milestones.TryClaimAsync(target, run, clock.GetUtcNow() + ClaimLease, ct).ConfigureAwait(false);
            if (claimed is null) return new(0, recorded, 0, covered, 0, 1);

            records = await milestones.ListAsync(petition.Id, ct).ConfigureAwait(false);
            if (MilestonePolicy.Decide(records).Email is { } higher && higher.Threshold > claimed.Threshold)
            {
                await milestones.TryReleaseAsync(claimed, null, newKey: false, ct).ConfigureAwait(false);
                claimed = null;
            }
        }
        if (claimed is null) return new(0, recorded, 0, covered, 0, 1);

        var key = IdempotencyKey(petition.Id, claimed.Threshold, claimed.KeyGeneration);
        // Renewed while this run works: a run whose host dies frees the milestone within a lease, not after the slowest send.
        await using var claim = new LeasedClaim<MilestoneRecord>(claimed, milestones.TryUpdateAsync, milestones.TryReleaseAsync, ClaimLease, clock, logger, ct);
        try
        {
            var facts = await GatherAsync(petition, claimed.Threshold, counts, now, claim.Token).ConfigureAwait(false);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(claim.Token);
            deadline.CancelAfter(SendDeadline);
            await email.SendAsync(MilestoneEmail.Render(facts), key, deadline.Token).ConfigureAwait(false);
            // Before the milestone is marked sent: a run that dies here sends again under the same key and records it then.
            await webhookEvents.RecordAsync(petition.Id, WebhookEvents.MilestoneReached, claimed.Threshold.ToString(System.Globalization.CultureInfo.InvariantCulture),
                new() { ["threshold"] = claimed.Threshold, ["signatureCount"] = counts.Total, ["goal"] = petition.Goal }, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            var reason = claim.WasLost ? claim.LostClaim().Message : e.Message;
            logger.LogWarning(e, "Milestone {Threshold} of {PetitionId} not sent (attempt {Attempt}); the next run retries", claimed.Threshold, petition.Id, claimed.Attempts);
            await claim.ReleaseAsync(reason, newKey: e is EmailSendException { NothingSent: true }).ConfigureAwait(false);
            return claim.WasLost ? new(0, recorded, 0, covered, 0, 1) : new(0, recorded, 0, covered, 1, 0);
        }

        try
        {
            await claim.UpdateAsync(c => c.AsSent(clock.GetUtcNow()), CancellationToken.None).ConfigureAwait(false);
        }
        catch (InvalidOperationException) when (claim.WasLost)
        {
            // Another run took over after this one's lease lapsed; it sends under the same idempotency key.
            logger.LogWarning("Milestone {Threshold} of {PetitionId} was sent but its claim was lost before it was marked", claimed.Threshold, petition.Id);
        }
        logger.LogInformation("Milestone {Threshold} of {PetitionId} emailed to {Organizers} organizers at {Count} supporters",
            claimed.Threshold, petition.Id, petition.Organizers.Count, counts.Total);

        var lower = records.Where(r => r.State == MilestoneState.Pending && r.Threshold < claimed.Threshold).ToList();
        covered += await CoverAsync(lower, claimed.Threshold, ct).ConfigureAwait(false);
        return new(0, recorded, 1, covered, 0, 0);
    }

    private async Task<int> CoverAsync(IReadOnlyList<MilestoneRecord> records, int coveredBy, CancellationToken ct)
    {
        var covered = 0;
        // A 412 means a parallel run covered it first; either way it will not get its own email.
        foreach (var record in records)
            if (await milestones.TryCoverAsync(record, coveredBy, ct).ConfigureAwait(false) is not null) covered++;
        return covered;
    }

    private async Task SnapshotAsync(string petitionId, long total, DateTimeOffset now, CancellationToken ct)
    {
        var hour = MilestoneStore.SnapshotRowKeyOf(now);
        if (_snapshotWritten.TryGetValue(petitionId, out var written) && written == hour) return;
        await milestones.WriteSnapshotAsync(petitionId, total, now, ct).ConfigureAwait(false);
        _snapshotWritten[petitionId] = hour;
    }

    private async Task<MilestoneFacts> GatherAsync(Petition petition, int threshold, PetitionCounts counts, DateTimeOffset now, CancellationToken ct)
    {
        var recent = await RecentAsync(petition.Id, counts.Total, now, ct).ConfigureAwait(false);
        var comments = await RecentCommentsAsync(petition.Id, now - CommentWindow, ct).ConfigureAwait(false);
        var baseUrl = pipelineOptions.Value.PublicBaseUrlOr(PipelineOptions.LocalHostBaseUrl);
        var link = new Uri($"{baseUrl}/petitions/{Uri.EscapeDataString(petition.Id)}");
        return new MilestoneFacts(petition, threshold, counts.Total, counts.ByState, recent, comments, link, now);
    }

    private async Task<RecentSignatures?> RecentAsync(string petitionId, long total, DateTimeOffset now, CancellationToken ct)
    {
        var snapshot = await milestones.OldestSnapshotSinceAsync(petitionId, now.AddHours(-24), now, ct).ConfigureAwait(false);
        // The only snapshot being this run's own says nothing about the past.
        if (snapshot is null || snapshot.TakenAt >= now.AddMinutes(-1)) return null;
        return new RecentSignatures(Math.Max(0, total - snapshot.Total), snapshot.TakenAt, FullDay: snapshot.TakenAt <= now.AddHours(-23));
    }

    /// <summary>
    /// A bounded look at recent comments: one page per shard, filtered by the store, never a scan of the petition.
    /// Only the comment, its state and its time are read; the signer's name and address never leave the table.
    /// </summary>
    private async Task<IReadOnlyList<SupporterComment>> RecentCommentsAsync(string petitionId, DateTimeOffset since, CancellationToken ct)
    {
        var comments = await signatures.RecentCommentsAsync(petitionId, since, perShard: 20, ct).ConfigureAwait(false);
        return comments
            .Where(c => !string.IsNullOrWhiteSpace(c.Text))
            .OrderByDescending(c => c.SignedAt)
            .Take(MaxComments)
            .ToList();
    }
}
