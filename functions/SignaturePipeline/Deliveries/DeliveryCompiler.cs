using System.Text.Json;
using CsvHelper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SignaturePipeline.Email;
using SignaturePipeline.Petitions;
using SignaturePipeline.Storage;
using SignaturePipeline.Webhooks;
using SignaturePipeline.Timers;

namespace SignaturePipeline.Deliveries;

public enum DeliveryOutcome { Delivered, AlreadyDelivered, NothingNew, Busy, Failed }

/// <summary>What happened to one target this run: this week's delivery, or why there is none.</summary>
public sealed record TargetDeliveryResult(string TargetId, string Week, DeliveryOutcome Outcome, long Count, string? Error);

/// <summary>What one timer run did, for the host's log and for tests.</summary>
public sealed record DeliveryRunSummary(int Petitions, int Targets, int Delivered, int AlreadyDelivered, int NothingNew, int Busy, int Failed)
{
    public static DeliveryRunSummary Of(int petitions, IEnumerable<TargetDeliveryResult> results)
    {
        var list = results.ToList();
        int C(DeliveryOutcome o) => list.Count(r => r.Outcome == o);
        return new(petitions, list.Count, C(DeliveryOutcome.Delivered), C(DeliveryOutcome.AlreadyDelivered), C(DeliveryOutcome.NothingNew), C(DeliveryOutcome.Busy), C(DeliveryOutcome.Failed));
    }
}

public abstract record DeliverNowResult
{
    private DeliverNowResult() { }
    public sealed record PetitionNotFound : DeliverNowResult;
    public sealed record TargetNotFound(string TargetId) : DeliverNowResult;
    public sealed record Done(IReadOnlyList<TargetDeliveryResult> Targets) : DeliverNowResult;
}

/// <summary>A past delivery as the admin list shows it, with its manifest.</summary>
public sealed record DeliveryView(
    string TargetId, string Week, string Status, long Count, long CumulativeCount, DateTimeOffset CountedFrom, DateTimeOffset CountedTo,
    DateTimeOffset RecordedAt, DateTimeOffset? TargetSentAt, DateTimeOffset? OrganizersSentAt, int Attempts, string? LastError,
    string Folder, JsonElement? Manifest)
{
    public static DeliveryView From(DeliveryRecord r) => new(
        r.TargetId, r.Week, r.State.ToString().ToLowerInvariant(), r.Count, r.CumulativeCount, r.From, r.To, r.RecordedAt,
        r.TargetSentAt, r.OrganizersSentAt, r.Attempts, r.LastError, DeliveryFiles.FolderOf(r.PetitionId, r.TargetId, r.Week),
        r.Manifest is null ? null : JsonSerializer.Deserialize<JsonElement>(r.Manifest));
}

public abstract record ListDeliveriesResult
{
    private ListDeliveriesResult() { }
    public sealed record PetitionNotFound : ListDeliveriesResult;
    public sealed record Found(IReadOnlyList<DeliveryView> Deliveries) : ListDeliveriesResult;
}

/// <summary>
/// The <c>CompileWeeklyDeliveries</c> timer and the admin "deliver now": for each petition and target, the signatures
/// counted since that target's last delivery, as a PDF, a CSV and a manifest in blob storage, emailed to the target and,
/// as a copy with the manifest, to the organizers.
/// <para>Exactly once per petition, target and ISO week, and never a signature skipped or repeated: the window
/// [watermark, now − margin) is counted from the index tallies, then recorded together with the watermark's move in one
/// transaction (a rerun or a parallel run meets 409/412 and takes the recorded one). Everything after is derived from that
/// record and can be redone: a run claims it (ETag and lease, as milestones do), compiles the files from the fixed window,
/// marks it compiled, sends the target's email, marks it, sends the organizers' copy, marks it sent. A crash anywhere
/// leaves a record the next run finishes; the email idempotency keys make a send retried after a crash a no-op on the
/// pickup folder and ACS. The next week's window starts exactly where this one ended.</para>
/// </summary>
public sealed class DeliveryCompiler(
    PetitionStore petitions,
    DeliveryStore store,
    SignerFeed feed,
    DeliveryFiles files,
    EmailSender email,
    TimerRunLog timerRuns,
    WebhookEventLog webhookEvents,
    IOptions<DeliveryOptions> options,
    TimeProvider clock,
    ILogger<DeliveryCompiler> logger)
{
    /// <summary>
    /// A run that hangs (a stalled storage call, a relay that never answers) gives the delivery up after this, although
    /// its claim is renewed while it runs: a million signers compile and send in about a minute here.
    /// </summary>
    public static readonly TimeSpan WorkDeadline = TimeSpan.FromMinutes(15);

    public const int MaxHighlights = 5;

    public static string IdempotencyKey(DeliveryRecord r, string recipient) =>
        $"delivery:{r.PetitionId}:{r.TargetId}:{r.Week}:{recipient}" + (r.KeyGeneration == 0 ? "" : $":{r.KeyGeneration}");

    /// <summary>The timer: every open petition, every target.</summary>
    public async Task<DeliveryRunSummary> RunAsync(CancellationToken ct)
    {
        var run = Guid.NewGuid().ToString("N");
        var results = new List<TargetDeliveryResult>();
        var open = (await petitions.ListAsync(ct).ConfigureAwait(false)).Where(p => p.IsOpen).ToList();
        foreach (var petition in open)
            foreach (var target in petition.Targets)
                results.Add(await DeliverTargetAsync(petition, target, run, ct).ConfigureAwait(false));
        var summary = DeliveryRunSummary.Of(open.Count, results);
        logger.LogInformation("Delivery run {Run}: {Petitions} petitions, {Targets} targets, {Delivered} delivered, {AlreadyDelivered} already delivered this week, {NothingNew} with nothing new, {Busy} busy elsewhere, {Failed} failed",
            run, summary.Petitions, summary.Targets, summary.Delivered, summary.AlreadyDelivered, summary.NothingNew, summary.Busy, summary.Failed);
        await timerRuns.RecordAsync(PipelineTimers.CompileWeeklyDeliveries, ct).ConfigureAwait(false);
        return summary;
    }

    /// <summary>
    /// The <c>FinishDeliveries</c> sweep, for deliveries a run left unsent (its host died, the relay was down); it records
    /// nothing new. Every recorded delivery not yet sent, of any petition (a closed one's last week too), oldest week first.
    /// Windows are fixed when recorded, so finishing late changes nothing in what is delivered.
    /// </summary>
    public async Task<DeliveryRunSummary> FinishAsync(CancellationToken ct)
    {
        var run = Guid.NewGuid().ToString("N");
        var results = new List<TargetDeliveryResult>();
        var all = await petitions.ListAsync(ct).ConfigureAwait(false);
        foreach (var petition in all)
        {
            List<DeliveryRecord> unsent;
            try
            {
                unsent = (await store.ListAsync(petition.Id, null, ct).ConfigureAwait(false))
                    .Where(r => r.State != DeliveryState.Sent)
                    .OrderBy(r => r.Week, StringComparer.Ordinal).ThenBy(r => r.TargetId, StringComparer.Ordinal).ToList();
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                logger.LogError(e, "Listing the deliveries of {PetitionId} failed this sweep", petition.Id);
                continue;
            }
            foreach (var record in unsent)
                results.Add(await CompleteAsync(petition, record, run, ct).ConfigureAwait(false));
        }
        var summary = DeliveryRunSummary.Of(all.Count, results);
        if (results.Count > 0)
            logger.LogInformation("Delivery sweep {Run}: {Unsent} unsent deliveries found, {Delivered} delivered, {Busy} busy elsewhere, {Failed} failed",
                run, summary.Targets, summary.Delivered, summary.Busy, summary.Failed);
        await timerRuns.RecordAsync(PipelineTimers.FinishDeliveries, ct).ConfigureAwait(false);
        return summary;
    }

    /// <summary>
    /// The admin route: compile and send now, for every target of the petition or one. Any status: an organizer may send a
    /// closed petition's last signatures. Still once per ISO week: a delivery already sent this week is reported, not repeated.
    /// </summary>
    public async Task<DeliverNowResult> DeliverNowAsync(string petitionId, string? targetId, CancellationToken ct)
    {
        var petition = await petitions.ReadAsync(petitionId, ct).ConfigureAwait(false);
        if (petition is null) return new DeliverNowResult.PetitionNotFound();
        var targets = petition.Targets.Where(t => targetId is null || t.Id == targetId).ToList();
        if (targets.Count == 0) return new DeliverNowResult.TargetNotFound(targetId!);
        var run = Guid.NewGuid().ToString("N");
        var results = new List<TargetDeliveryResult>();
        foreach (var target in targets) results.Add(await DeliverTargetAsync(petition, target, run, ct).ConfigureAwait(false));
        return new DeliverNowResult.Done(results);
    }

    public async Task<ListDeliveriesResult> ListAsync(string petitionId, string? targetId, CancellationToken ct)
    {
        if (await petitions.ReadAsync(petitionId, ct).ConfigureAwait(false) is null) return new ListDeliveriesResult.PetitionNotFound();
        var records = await store.ListAsync(petitionId, targetId, ct).ConfigureAwait(false);
        return new ListDeliveriesResult.Found(records.OrderByDescending(r => r.Week, StringComparer.Ordinal).ThenBy(r => r.TargetId, StringComparer.Ordinal)
            .Select(DeliveryView.From).ToList());
    }

    private async Task<TargetDeliveryResult> DeliverTargetAsync(Petition petition, PetitionTarget target, string run, CancellationToken ct)
    {
        var week = DeliveryStore.IsoWeekOf(clock.GetUtcNow());
        try
        {
            // Earlier weeks left unsent (a failed send, a crash) go first, in order; their windows are already fixed.
            var records = await store.ListAsync(petition.Id, target.Id, ct).ConfigureAwait(false);
            foreach (var older in records.Where(r => r.State != DeliveryState.Sent && string.CompareOrdinal(r.Week, week) < 0))
                await CompleteAsync(petition, older, run, ct).ConfigureAwait(false);

            var current = records.FirstOrDefault(r => r.Week == week);
            if (current is null)
            {
                var (recorded, nothingNew) = await RecordAsync(petition, target, week, ct).ConfigureAwait(false);
                if (nothingNew) return new(target.Id, week, DeliveryOutcome.NothingNew, 0, null);
                current = recorded;
            }
            else if (current.State == DeliveryState.Sent)
                return new(target.Id, week, DeliveryOutcome.AlreadyDelivered, current.Count, null);
            if (current is null) return new(target.Id, week, DeliveryOutcome.Busy, 0, null);
            return await CompleteAsync(petition, current, run, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // One target's trouble (storage, a malformed row) must not hold back the others; its record waits for the next run.
            logger.LogError(e, "Delivery of {PetitionId} to {TargetId} for {Week} failed this run", petition.Id, target.Id, week);
            return new(target.Id, week, DeliveryOutcome.Failed, 0, e.Message);
        }
    }

    /// <summary>
    /// Counts the window since the watermark and records this week's delivery with it. Null and not "nothing new" when a
    /// parallel run recorded first and its record is not readable yet.
    /// </summary>
    private async Task<(DeliveryRecord? Record, bool NothingNew)> RecordAsync(Petition petition, PetitionTarget target, string week, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var now = clock.GetUtcNow();
            var cursor = await store.GetCursorAsync(petition.Id, target.Id, ct).ConfigureAwait(false);
            var from = cursor?.WatermarkTicks ?? 0;
            // Never up to now: a transaction stamped a moment ago may still be landing (see DeliveryOptions.SafetyMargin).
            var to = (now - options.Value.SafetyMargin).UtcTicks;
            if (to <= from) return (null, true);
            var tally = await feed.TallyAsync(petition.Id, from, to, target.State, ct).ConfigureAwait(false);
            // No delivery, and no record: the watermark stays, so next week's window still starts here.
            if (tally.Count == 0) return (null, true);
            var record = await store.TryRecordAsync(petition.Id, target, week, cursor, to, tally, now, ct).ConfigureAwait(false);
            if (record is not null)
            {
                logger.LogInformation("Delivery of {PetitionId} to {TargetId} for {Week} recorded: {Count} signers", petition.Id, target.Id, week, record.Count);
                return (record, false);
            }
            var existing = (await store.ListAsync(petition.Id, target.Id, ct).ConfigureAwait(false)).FirstOrDefault(r => r.Week == week);
            if (existing is not null) return (existing, false);
        }
        return (null, false);
    }

    /// <summary>Compiles (if not yet) and sends (what is not yet sent) one recorded delivery, under a claim.</summary>
    private async Task<TargetDeliveryResult> CompleteAsync(Petition petition, DeliveryRecord record, string run, CancellationToken ct)
    {
        if (record.State == DeliveryState.Sent) return new(record.TargetId, record.Week, DeliveryOutcome.AlreadyDelivered, record.Count, null);
        if (record.IsClaimedByOther(run, clock.GetUtcNow())) return new(record.TargetId, record.Week, DeliveryOutcome.Busy, record.Count, null);
        LeasedClaim<DeliveryRecord>? claim;
        try
        {
            var claimed = await store.TryClaimAsync(record, run, clock.GetUtcNow() + options.Value.ClaimLease, ct).ConfigureAwait(false);
            claim = claimed is null ? null : new LeasedClaim<DeliveryRecord>(claimed, store.TryUpdateAsync, store.TryReleaseAsync, options.Value.ClaimLease, clock, logger, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logger.LogError(e, "Claiming the delivery of {PetitionId} to {TargetId} for {Week} failed this run", record.PetitionId, record.TargetId, record.Week);
            return new(record.TargetId, record.Week, DeliveryOutcome.Failed, record.Count, e.Message);
        }
        if (claim is null) return new(record.TargetId, record.Week, DeliveryOutcome.Busy, record.Count, null);

        await using (claim.ConfigureAwait(false))
        {
            try
            {
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(claim.Token);
                deadline.CancelAfter(WorkDeadline);
                if (claim.Current.State == DeliveryState.Recorded)
                {
                    var compiled = await CompileAsync(petition, claim.Current, deadline.Token).ConfigureAwait(false);
                    await claim.UpdateAsync(c => c with
                    {
                        State = compiled.State,
                        SignersSha256 = compiled.SignersSha256,
                        Manifest = compiled.Manifest,
                        Highlights = compiled.Highlights,
                    }, deadline.Token).ConfigureAwait(false);
                }
                await SendAsync(petition, claim, deadline.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                var current = claim.Current;
                var reason = claim.WasLost ? claim.LostClaim().Message : e.Message;
                logger.LogWarning(e, "Delivery of {PetitionId} to {TargetId} for {Week} not finished (attempt {Attempt}); the next run goes on from here",
                    current.PetitionId, current.TargetId, current.Week, current.Attempts);
                await claim.ReleaseAsync(reason, newKey: e is EmailSendException { NothingSent: true }).ConfigureAwait(false);
                return new(record.TargetId, record.Week, claim.WasLost ? DeliveryOutcome.Busy : DeliveryOutcome.Failed, record.Count, reason);
            }
            var sent = claim.Current;
            logger.LogInformation("Delivery of {PetitionId} to {TargetId} for {Week} sent: {Count} signers, {Cumulative} in all",
                sent.PetitionId, sent.TargetId, sent.Week, sent.Count, sent.CumulativeCount);
            return new(record.TargetId, record.Week, DeliveryOutcome.Delivered, record.Count, null);
        }
    }

    /// <summary>
    /// One pass over the window's signers, streamed: each is written to the CSV (uploaded in blocks as it grows), drawn into
    /// the PDF (a page at a time) and added to the list's hash. Nothing holds the list: memory stays flat at any count.
    /// </summary>
    internal async Task<DeliveryRecord> CompileAsync(Petition petition, DeliveryRecord record, CancellationToken ct)
    {
        var folder = DeliveryFiles.FolderOf(record.PetitionId, record.TargetId, record.Week);
        var cover = new DeliveryCover(petition.Title, petition.Letter, record.Target, record.Week, record.RecordedAt, record.From, record.To,
            record.Count, record.CumulativeCount, record.Breakdown, record.CumulativeBreakdown)
        { Unnamed = record.Unnamed, ListsNames = record.ListsNames };
        long unnamed = 0;
        var highlights = new List<DeliveryHighlight>();
        DateTimeOffset? first = null, last = null;
        string signersSha256;
        ManifestFile csvFile, pdfFile;

        var csvBlob = await files.OpenWriteAsync(folder, DeliveryFiles.CsvName, "text/csv; charset=utf-8", ct).ConfigureAwait(false);
        var pdfBlob = await files.OpenWriteAsync(folder, DeliveryFiles.PdfName, "application/pdf", ct).ConfigureAwait(false);
        await using (csvBlob.ConfigureAwait(false))
        await using (pdfBlob.ConfigureAwait(false))
        {
            using var csvBytes = new HashingStream(csvBlob);
            using var pdfBytes = new HashingStream(pdfBlob);
            using var hasher = new SignerList.Hasher();
            using (var csv = CsvWriter.Create(csvBytes, SignerList.WriterOptions(), leaveOpen: true))
            using (var pdf = new DeliveryDocument(pdfBytes, cover))
            {
                SignerList.WriteHeader(csv);
                await foreach (var signer in feed.ReadAsync(record.PetitionId, record.FromTicks, record.ToTicks, record.TargetState, ct).ConfigureAwait(false))
                {
                    // Counted in the totals (the record's tallies), never listed: not in the CSV, the PDF, the hash or the highlights.
                    if (signer.Private || !record.ListsNames)
                    {
                        unnamed++;
                        continue;
                    }
                    var fields = SignerList.Fields(signer);
                    SignerList.WriteRow(csv, fields);
                    hasher.Append(fields);
                    pdf.AddSigner(signer);
                    if (first is null || signer.SignedAt < first) first = signer.SignedAt;
                    if (last is null || signer.SignedAt > last) last = signer.SignedAt;
                    if (highlights.Count < MaxHighlights && signer.Comment.Length > 0) highlights.Add(DeliveryHighlight.From(signer));
                }
                // The window is closed and its rows never change, so this holds unless the index itself is damaged: then deliver nothing.
                if (hasher.Count + unnamed != record.Count - record.Erased)
                    throw new InvalidOperationException($"The window of {record.PetitionId} to {record.TargetId} for {record.Week} holds {hasher.Count + unnamed} signers; {record.Count} were recorded and {record.Erased} erased since.");
                signersSha256 = hasher.HexDigest();
                pdf.Finish(signersSha256, first, last);
                csv.Flush();
            }
            csvFile = new ManifestFile(DeliveryFiles.CsvName, folder + DeliveryFiles.CsvName, csvBytes.BytesWritten, csvBytes.HexDigest());
            pdfFile = new ManifestFile(DeliveryFiles.PdfName, folder + DeliveryFiles.PdfName, pdfBytes.BytesWritten, pdfBytes.HexDigest());
        }

        var manifest = new DeliveryManifest(DeliveryManifest.CurrentSchema, petition.Id, petition.Title,
            new ManifestTarget(record.TargetId, record.TargetKind.ToString().ToLowerInvariant(), record.TargetName, record.TargetState)
            { Names = record.ListsNames ? null : "none" },
            record.Week, record.Count, record.CumulativeCount, record.From, record.To, first, last, signersSha256,
            DeliveryManifest.CanonicalizationV1, [pdfFile, csvFile], record.RecordedAt)
        {
            Erased = record.Erased > 0 ? record.Erased : null,
            Unnamed = unnamed > 0 ? unnamed : null,
        }.Serialize();
        var manifestBlob = await files.OpenWriteAsync(folder, DeliveryFiles.ManifestName, "application/json", ct).ConfigureAwait(false);
        await using (manifestBlob.ConfigureAwait(false))
            await manifestBlob.WriteAsync(System.Text.Encoding.UTF8.GetBytes(manifest), ct).ConfigureAwait(false);

        logger.LogInformation("Delivery of {PetitionId} to {TargetId} for {Week} compiled: {Count} signers, PDF {PdfBytes} bytes, CSV {CsvBytes} bytes",
            record.PetitionId, record.TargetId, record.Week, record.Count, pdfFile.Bytes, csvFile.Bytes);
        return record with
        {
            State = DeliveryState.Compiled,
            SignersSha256 = signersSha256,
            Manifest = manifest,
            Highlights = JsonSerializer.Serialize(highlights, DeliveryManifest.Json),
        };
    }

    /// <summary>
    /// Takes an erased signer out of every delivery that listed them: each delivery of the petition whose window holds the
    /// moment they were counted (and, for a governor, whose state is theirs). The signer has already left the delivery
    /// index, so compiling the window again lists everyone else; a delivery not compiled yet only learns it has one signer
    /// fewer. Each change is written under the record's ETag, and a conflict (a run, another erasure) reads and does it again,
    /// so the files last written are always compiled from an index without every erased signer. What was already emailed
    /// cannot be recalled.
    /// </summary>
    public async Task<int> RedactAsync(string petitionId, DateTimeOffset countedAt, string? state, CancellationToken ct)
    {
        var petition = await petitions.ReadAsync(petitionId, ct).ConfigureAwait(false);
        if (petition is null) return 0;
        var ticks = countedAt.UtcTicks;
        var rewritten = 0;
        foreach (var listed in await store.ListAsync(petitionId, null, ct).ConfigureAwait(false))
        {
            if (ticks < listed.FromTicks || ticks >= listed.ToTicks || (listed.TargetState is not null && listed.TargetState != state)) continue;
            for (var record = listed; ;)
            {
                var erased = record with { Erased = record.Erased + 1 };
                if (erased.State != DeliveryState.Recorded) erased = await CompileAsync(petition, erased, ct).ConfigureAwait(false) with { State = record.State };
                if (await store.TryRewriteAsync(erased, ct).ConfigureAwait(false) is not null) break;
                record = (await store.ListAsync(petitionId, listed.TargetId, ct).ConfigureAwait(false)).First(r => r.Week == listed.Week);
            }
            rewritten++;
            logger.LogInformation("Delivery of {PetitionId} to {TargetId} for {Week} rewritten without an erased signer", petitionId, listed.TargetId, listed.Week);
        }
        return rewritten;
    }

    /// <summary>
    /// The retention period is over: every delivery of the petition loses its signer lists (PDF, CSV) and its highlights.
    /// The records and manifests stay, with the counts and hashes of what was delivered.
    /// </summary>
    public async Task ForgetSignersAsync(string petitionId, CancellationToken ct)
    {
        foreach (var listed in await store.ListAsync(petitionId, null, ct).ConfigureAwait(false))
        {
            await files.DeleteListsAsync(DeliveryFiles.FolderOf(petitionId, listed.TargetId, listed.Week), ct).ConfigureAwait(false);
            for (var record = listed; record.Highlights is not null;)
            {
                if (await store.TryRewriteAsync(record with { Highlights = null }, ct).ConfigureAwait(false) is not null) break;
                record = (await store.ListAsync(petitionId, listed.TargetId, ct).ConfigureAwait(false)).First(r => r.Week == listed.Week);
            }
        }
    }

    private async Task SendAsync(Petition petition, LeasedClaim<DeliveryRecord> claim, CancellationToken ct)
    {
        var compiled = claim.Current;
        var folder = DeliveryFiles.FolderOf(compiled.PetitionId, compiled.TargetId, compiled.Week);
        var manifest = DeliveryManifest.Parse(compiled.Manifest) ?? throw new InvalidOperationException("A compiled delivery has no manifest.");
        var sizes = manifest.Files.ToDictionary(f => f.Name, f => f.Bytes, StringComparer.Ordinal);
        var content = await ContentAsync(folder, sizes, compiled.ListsNames, ct).ConfigureAwait(false);
        var highlights = JsonSerializer.Deserialize<List<DeliveryHighlight>>(compiled.Highlights ?? "[]", DeliveryManifest.Json) ?? [];

        if (claim.Current.TargetSentAt is null)
        {
            await email.SendAsync(DeliveryEmail.ToTarget(petition, claim.Current, highlights, content), IdempotencyKey(claim.Current, "target"), ct).ConfigureAwait(false);
            // Recorded before the send is marked: a rerun sends under the same key and records the same event (one row).
            await webhookEvents.RecordAsync(petition.Id, WebhookEvents.DeliverySent, claim.Current.TargetId + "_" + claim.Current.Week, new()
            {
                ["targetId"] = claim.Current.TargetId,
                ["targetName"] = claim.Current.TargetName,
                ["week"] = claim.Current.Week,
                ["count"] = claim.Current.Count,
                ["cumulativeCount"] = claim.Current.CumulativeCount,
            }, ct).ConfigureAwait(false);
            await claim.UpdateAsync(c => c with { TargetSentAt = clock.GetUtcNow() }, ct).ConfigureAwait(false);
        }
        if (claim.Current.OrganizersSentAt is null)
        {
            var manifestFile = new EmailAttachment(DeliveryFiles.ManifestName, "application/json",
                await files.ReadAllAsync(folder, DeliveryFiles.ManifestName, ct).ConfigureAwait(false));
            await email.SendAsync(DeliveryEmail.ToOrganizers(petition, claim.Current, content, manifestFile), IdempotencyKey(claim.Current, "organizers"), ct).ConfigureAwait(false);
            await claim.UpdateAsync(c => c with { OrganizersSentAt = clock.GetUtcNow(), State = DeliveryState.Sent, ClaimedBy = null, ClaimedUntil = null, LastError = null }, ct)
                .ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The files attached when they fit in one email (ACS takes 10 MB per request, Base64 included); links otherwise. A target
    /// that takes no names gets the PDF alone: its signers.csv holds the header and no one.
    /// </summary>
    private async Task<DeliveryContent> ContentAsync(string folder, IReadOnlyDictionary<string, long> sizes, bool listsNames, CancellationToken ct)
    {
        var pdfBytes = sizes.GetValueOrDefault(DeliveryFiles.PdfName);
        var csvBytes = listsNames ? sizes.GetValueOrDefault(DeliveryFiles.CsvName) : 0;
        if (pdfBytes + csvBytes <= options.Value.MaxAttachmentBytes)
        {
            var attachments = new List<EmailAttachment>
            {
                new(DeliveryFiles.PdfName, "application/pdf", await files.ReadAllAsync(folder, DeliveryFiles.PdfName, ct).ConfigureAwait(false)),
            };
            if (listsNames)
                attachments.Add(new(DeliveryFiles.CsvName, "text/csv; charset=utf-8", await files.ReadAllAsync(folder, DeliveryFiles.CsvName, ct).ConfigureAwait(false)));
            return new DeliveryContent(attachments, [], null);
        }
        var now = clock.GetUtcNow();
        var expires = now.AddDays(options.Value.LinkValidityDays);
        var links = await files.LinksAsync(folder, listsNames ? [DeliveryFiles.PdfName, DeliveryFiles.CsvName] : [DeliveryFiles.PdfName], now, expires, ct).ConfigureAwait(false);
        return new DeliveryContent([],
            listsNames
                ? [("The letter and the signers (PDF)", links[DeliveryFiles.PdfName], pdfBytes), ("The same list for a spreadsheet (CSV)", links[DeliveryFiles.CsvName], csvBytes)]
                : [("The letter and the totals (PDF)", links[DeliveryFiles.PdfName], pdfBytes)], expires);
    }
}
