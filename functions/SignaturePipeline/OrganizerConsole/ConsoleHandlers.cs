using SignaturePipeline.Abuse;
using SignaturePipeline.Deliveries;
using SignaturePipeline.Milestones;
using SignaturePipeline.Petitions;
using SignaturePipeline.Privacy;
using SignaturePipeline.Receipts;
using SignaturePipeline.Signatures;
using SignaturePipeline.Updates;

namespace SignaturePipeline.OrganizerConsole;

/// <summary>One petition in the console's list.</summary>
public sealed record ConsolePetitionItem(string Id, string Title, string Status, long SignatureCount, int Goal, long Last24Hours);

/// <summary>Signatures counted in the hour or the UTC day that starts at <see cref="Start"/>.</summary>
public sealed record ConsoleBucket(DateTimeOffset Start, long Count);

public sealed record ConsoleCount(string Key, long Count);

/// <summary>How many signatures ended as duplicates or rejections for one reason.</summary>
public sealed record ConsoleOutcome(string Status, string Reason, long Count);

public sealed record ConsoleMilestone(int Threshold, string State, long CountWhenRecorded, DateTimeOffset RecordedAt, DateTimeOffset? SentAt);

/// <summary>One weekly delivery to one target; its files are downloaded through console routes that check the session.</summary>
public sealed record ConsoleDelivery(string TargetId, string TargetName, string Week, string Status, long Count, DateTimeOffset CountedTo,
    DateTimeOffset? TargetSentAt, IReadOnlyList<string> Files);

/// <summary>
/// What the console shows of a petition. Everything but the milestones and the deliveries (a partition query each, a few
/// rows per week of the campaign) comes from the definition, one point read per shard counter and one of the outcome
/// counts: no query grows with the number of signatures.
/// </summary>
public sealed record ConsolePetitionView(
    ConsolePetitionItem Summary,
    Petition Definition,
    IReadOnlyDictionary<string, long> CountsByState,
    IReadOnlyList<ConsoleCount> TopStates,
    IReadOnlyList<ConsoleCount> TopZip3,
    IReadOnlyList<ConsoleBucket> Hours,
    IReadOnlyList<ConsoleBucket> Days,
    IReadOnlyList<ConsoleMilestone> Milestones,
    IReadOnlyList<ConsoleDelivery> Deliveries,
    IReadOnlyList<ConsoleOutcome> Outcomes);

public abstract record ConsoleSaveResult
{
    private ConsoleSaveResult() { }
    public sealed record NotFound : ConsoleSaveResult;
    public sealed record Done(SavePetitionResult Result) : ConsoleSaveResult;
}

/// <summary>
/// The console's work, for a session. An organizer sees and changes only the petitions whose definition lists their
/// address (compared by keyed hash); any other id is "not found", exactly as an id that does not exist, so the console
/// tells no one which petitions exist. The operator sees every petition. Every action calls the handler the admin
/// route calls, so validation, messages and counting are the same.
/// </summary>
public sealed class ConsoleHandlers(PetitionStore petitions, PetitionHandlers definitions, SignatureStore signatures, ReceiptStore receipts, MilestoneStore milestones,
    DeliveryStore deliveries, DeliveryFiles files, ReviewHandlers review, PrivacyHandlers privacy, UpdateHandlers updates,
    PetitionSourcesHandler sources, TimeProvider clock)
{
    public const int TopCount = 10;
    public static readonly TimeSpan HourlyPeriod = TimeSpan.FromDays(7);
    public static readonly IReadOnlyList<string> DeliveryFileNames = [DeliveryFiles.PdfName, DeliveryFiles.CsvName, DeliveryFiles.ManifestName];

    /// <summary>The petition if this session may see it; null for one it may not, as for one that does not exist.</summary>
    public async Task<Petition?> FindAsync(ConsoleSession session, string petitionId, CancellationToken ct)
    {
        var petition = await petitions.ReadAsync(petitionId, ct).ConfigureAwait(false);
        return petition is not null && CanSee(session, petition) ? petition : null;
    }

    private bool CanSee(ConsoleSession session, Petition petition) =>
        session.IsOperator || (session.OrganizerKey is { } key && petitions.IsOrganizer(petition, key));

    public async Task<IReadOnlyList<ConsolePetitionItem>> ListAsync(ConsoleSession session, CancellationToken ct)
    {
        IEnumerable<Petition> mine;
        if (session.IsOperator) mine = await petitions.ListAsync(ct).ConfigureAwait(false);
        else
        {
            var ids = await petitions.ListIdsByOrganizerAsync(session.OrganizerKey!, ct).ConfigureAwait(false);
            var read = await Task.WhenAll(ids.Select(id => petitions.ReadAsync(id, ct))).ConfigureAwait(false);
            mine = read.OfType<Petition>().Where(p => CanSee(session, p));
        }
        var list = mine.OrderBy(p => p.Title, StringComparer.CurrentCulture).ToList();
        var summaries = await Task.WhenAll(list.Select(p => signatures.GetSummaryAsync(p.Id, ct))).ConfigureAwait(false);
        return list.Zip(summaries, ItemOf).ToList();
    }

    private ConsolePetitionItem ItemOf(Petition p, PetitionSummary s)
    {
        var since = SignatureStore.HourOf(clock.GetUtcNow()) - 23;
        return new(p.Id, p.Title, p.Status.ToString().ToLowerInvariant(), s.Counts.Total, p.Goal, s.Hours.Where(h => h.Key >= since).Sum(h => h.Value));
    }

    public async Task<ConsolePetitionView?> ViewAsync(ConsoleSession session, string petitionId, CancellationToken ct)
    {
        if (await FindAsync(session, petitionId, ct).ConfigureAwait(false) is not { } petition) return null;
        var summaryRead = signatures.GetSummaryAsync(petitionId, ct);
        var milestonesRead = milestones.ListAsync(petitionId, ct);
        var deliveriesRead = deliveries.ListAsync(petitionId, null, ct);
        var outcomesRead = receipts.CountOutcomesAsync(petitionId, ct);
        var summary = await summaryRead.ConfigureAwait(false);

        var now = clock.GetUtcNow();
        var lastHour = SignatureStore.HourOf(now);
        var firstHour = lastHour - (int)HourlyPeriod.TotalHours + 1;
        var hours = Enumerable.Range(firstHour, lastHour - firstHour + 1)
            .Select(h => new ConsoleBucket(DateTimeOffset.UnixEpoch.AddHours(h), summary.Hours.GetValueOrDefault(h))).ToList();
        // Days before the hourly window, so the two never count a signature twice.
        var firstHourStart = DateTimeOffset.UnixEpoch.AddHours(firstHour);
        var days = summary.Days.Where(d => DateTimeOffset.UnixEpoch.AddDays(d.Key + 1) <= firstHourStart)
            .Select(d => new ConsoleBucket(DateTimeOffset.UnixEpoch.AddDays(d.Key), d.Value)).ToList();

        return new ConsolePetitionView(
            ItemOf(petition, summary),
            petition,
            summary.Counts.ByState,
            Top(summary.Counts.ByState),
            Top(summary.Zip3),
            hours,
            days,
            (await milestonesRead.ConfigureAwait(false)).OrderBy(m => m.Threshold)
                .Select(m => new ConsoleMilestone(m.Threshold, m.State.ToString().ToLowerInvariant(), m.CountWhenRecorded, m.RecordedAt, m.SentAt)).ToList(),
            (await deliveriesRead.ConfigureAwait(false)).OrderByDescending(d => d.Week, StringComparer.Ordinal).ThenBy(d => d.TargetId, StringComparer.Ordinal)
                .Select(d => new ConsoleDelivery(d.TargetId, d.TargetName, d.Week, d.State.ToString().ToLowerInvariant(), d.Count, d.To, d.TargetSentAt,
                    d.State == DeliveryState.Recorded ? [] : DeliveryFileNames)).ToList(),
            (await outcomesRead.ConfigureAwait(false)).Select(o => new ConsoleOutcome(o.Status, o.Reason, o.Count)).ToList());
    }

    private static List<ConsoleCount> Top(IReadOnlyDictionary<string, long> counts) =>
        counts.Where(kv => kv.Value > 0).OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Take(TopCount).Select(kv => new ConsoleCount(kv.Key, kv.Value)).ToList();

    /// <summary>
    /// Creates or edits a petition with the admin route's handler. An organizer cannot take over a petition they do not
    /// organize (404), and keeps their own address among the organizers, or they would lock themselves out.
    /// </summary>
    public async Task<ConsoleSaveResult> SaveAsync(ConsoleSession session, string petitionId, PetitionDefinition definition, CancellationToken ct)
    {
        var existing = PetitionIds.IsValid(petitionId) ? await petitions.ReadAsync(petitionId, ct).ConfigureAwait(false) : null;
        if (existing is not null && !CanSee(session, existing)) return new ConsoleSaveResult.NotFound();
        if (!session.IsOperator && definition.Organizers is { Count: > 0 } listed
            && !listed.Any(o => CanonicalEmail.TryNormalize(o, out var email) && petitions.OrganizerKey(email) == session.OrganizerKey))
            return new ConsoleSaveResult.Done(new SavePetitionResult.Invalid(
                [new("organizers", "organizer_self_required", "Keep your own address among the organizers: without it you could not open this petition again.")]));
        return new ConsoleSaveResult.Done(await definitions.SaveAsync(petitionId, definition, ct).ConfigureAwait(false));
    }

    public async Task<IReadOnlyList<HeldSignature>?> ListHeldAsync(ConsoleSession session, string petitionId, int limit, CancellationToken ct) =>
        await FindAsync(session, petitionId, ct).ConfigureAwait(false) is null ? null
            : await review.ListHeldAsync(petitionId, limit, ct).ConfigureAwait(false);

    public async Task<ReviewResult> ReleaseAsync(ConsoleSession session, string petitionId, IReadOnlyList<string>? ids, bool all, CancellationToken ct) =>
        await FindAsync(session, petitionId, ct).ConfigureAwait(false) is null ? new ReviewResult.PetitionNotFound()
            : await review.ReleaseAsync(petitionId, ids, all, ct).ConfigureAwait(false);

    public async Task<ReviewResult> InvalidateHeldAsync(ConsoleSession session, string petitionId, IReadOnlyList<string>? ids, bool all, string? reason, CancellationToken ct) =>
        await FindAsync(session, petitionId, ct).ConfigureAwait(false) is null ? new ReviewResult.PetitionNotFound()
            : await review.InvalidateHeldAsync(petitionId, ids, all, reason, ct).ConfigureAwait(false);

    /// <summary>The petition's updates (the admin route's handler); null when the session may not see the petition.</summary>
    public async Task<IReadOnlyList<UpdateView>?> ListUpdatesAsync(ConsoleSession session, string petitionId, CancellationToken ct) =>
        await FindAsync(session, petitionId, ct).ConfigureAwait(false) is null ? null : await updates.ListAsync(petitionId, ct).ConfigureAwait(false);

    /// <summary>Publishes an update, a response or a victory with the admin route's handler, its validation and its weekly cap.</summary>
    public async Task<PublishResult> PublishUpdateAsync(ConsoleSession session, string petitionId, UpdateRequest request, CancellationToken ct) =>
        await FindAsync(session, petitionId, ct).ConfigureAwait(false) is null ? new PublishResult.PetitionNotFound()
            : await updates.PublishAsync(petitionId, request, ct).ConfigureAwait(false);

    /// <summary>Counts by source and referrer (the admin route's handler); null when the session may not see the petition.</summary>
    public async Task<PetitionSources?> SourcesAsync(ConsoleSession session, string petitionId, CancellationToken ct) =>
        await FindAsync(session, petitionId, ct).ConfigureAwait(false) is null ? null : await sources.GetAsync(petitionId, ct).ConfigureAwait(false);

    /// <summary>Writes the opted-in signers' CSV (the admin export's handler); false when the session may not see the petition.</summary>
    public async Task<bool> CanExportAsync(ConsoleSession session, string petitionId, CancellationToken ct) =>
        await FindAsync(session, petitionId, ct).ConfigureAwait(false) is not null;

    public Task<long> ExportAsync(string petitionId, Stream output, CancellationToken ct) => privacy.ExportAsync(petitionId, output, ct);

    /// <summary>A delivery file to stream, when the session may see the petition and that delivery has the file; else null.</summary>
    public async Task<Stream?> OpenDeliveryFileAsync(ConsoleSession session, string petitionId, string targetId, string week, string name, CancellationToken ct)
    {
        if (!DeliveryFileNames.Contains(name)) return null;
        if (await FindAsync(session, petitionId, ct).ConfigureAwait(false) is null) return null;
        var record = (await deliveries.ListAsync(petitionId, targetId, ct).ConfigureAwait(false)).FirstOrDefault(d => d.Week == week && d.TargetId == targetId);
        if (record is null || record.State == DeliveryState.Recorded) return null;
        var blob = files.Blob(DeliveryFiles.FolderOf(petitionId, targetId, week), name);
        try
        {
            return await blob.OpenReadAsync(cancellationToken: ct).ConfigureAwait(false);
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
            // An erasure or the retention period deleted the signer lists; the manifest stays.
            return null;
        }
    }
}
