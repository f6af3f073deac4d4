using System.Globalization;
using CsvHelper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SignaturePipeline.Deliveries;
using SignaturePipeline.Petitions;
using SignaturePipeline.Signatures;
using SignaturePipeline.Timers;

namespace SignaturePipeline.Privacy;

public enum ErasureOutcome { Removed, AlreadyRemoved, NotFound, EmailInvalid, PetitionNotFound }

public sealed record RetentionSummary(int Petitions, int Anonymised);

public abstract record AnonymiseOutcome
{
    private AnonymiseOutcome() { }
    public sealed record Done(int Anonymised) : AnonymiseOutcome;
    public sealed record PetitionNotFound : AnonymiseOutcome;
    public sealed record PetitionOpen : AnonymiseOutcome;
}

/// <summary>
/// Signers' rights and organizers' data: erasure on request, the CSV export, and anonymisation after the retention period.
/// </summary>
public sealed class PrivacyHandlers(
    CanonicalEmailRules emailRules,
    PetitionStore petitions,
    SignatureStore signatures,
    DeliveryCompiler deliveries,
    TimerRunLog timerRuns,
    IOptions<PrivacyOptions> options,
    TimeProvider clock,
    ILogger<PrivacyHandlers> logger)
{
    /// <summary>
    /// An erasure request (GDPR art. 17) by email: the row key is computed from the canonical email, exactly as at
    /// signing, so no scan and no stored clear-text lookup is needed. The signature leaves the count and a PII-free
    /// tombstone stays (so the count history adds up); the address can sign again only by confirming by email.
    /// Its unsent emails go, and every stored delivery that listed it is compiled again without it; what was already
    /// emailed to a target cannot be recalled.
    /// </summary>
    public async Task<ErasureOutcome> EraseAsync(string petitionId, string? email, CancellationToken ct)
    {
        if (await petitions.ReadAsync(petitionId, ct).ConfigureAwait(false) is null) return ErasureOutcome.PetitionNotFound;
        if (!CanonicalEmail.TryNormalize(email, out var normalized)) return ErasureOutcome.EmailInvalid;
        var (shard, rowKey) = signatures.KeyOf(petitionId, CanonicalEmail.Canonicalize(normalized, emailRules));
        var result = await signatures.RemoveAsync(petitionId, shard, rowKey, "erasure_request", clock.GetUtcNow(), ct).ConfigureAwait(false);
        if (result.UnlistedCountedAt is { } countedAt)
            await deliveries.RedactAsync(petitionId, countedAt, result.UnlistedState, ct).ConfigureAwait(false);
        return result.Outcome switch
        {
            TransitionOutcome.Changed => ErasureOutcome.Removed,
            TransitionOutcome.Unchanged => ErasureOutcome.AlreadyRemoved,
            _ => ErasureOutcome.NotFound,
        };
    }

    public static readonly IReadOnlyList<string> ExportColumns =
        ["first_name", "last_name", "email", "city", "state", "postal_code", "signed_at", "confirmed_at", "status", "comment", "private"];

    /// <summary>
    /// Every counted signature as CSV, written straight from the table query to <paramref name="output"/>, page by page:
    /// memory stays constant for a million rows. Emails only of signers who opted in. Cells that a spreadsheet would run
    /// as a formula (= + - @, tab, CR) are escaped by CsvHelper's injection protection.
    /// <para>Signers who asked not to be named are in it, marked <c>private</c> = <c>true</c>: they asked that their name not
    /// go to the target, and the organizers are not the target; they hold the list to count, contact and erase, as for anyone.
    /// The column tells them whose name must not leave their hands.</para>
    /// </summary>
    public async Task<long> ExportAsync(string petitionId, Stream output, CancellationToken ct)
    {
        // Disposed asynchronously: an ASP.NET Core response body refuses synchronous writes.
        await using var csv = CsvWriter.Create(output, new CsvWriterOptions { Injection = CsvInjection.Escape }, leaveOpen: true);
        foreach (var column in ExportColumns) csv.WriteField(column);
        await csv.EndRecordAsync(ct).ConfigureAwait(false);
        long rows = 0;
        await foreach (var row in signatures.QueryForExportAsync(petitionId, ct).ConfigureAwait(false))
        {
            if (row.Status != SignatureRowStatus.Counted) continue;
            csv.WriteField(row.FirstName);
            csv.WriteField(row.LastName);
            csv.WriteField(row.OptIn ? row.Email : "");
            csv.WriteField(row.City);
            csv.WriteField(row.State);
            csv.WriteField(row.PostalCode);
            csv.WriteField(row.SignedAt?.UtcDateTime.ToString("o", CultureInfo.InvariantCulture));
            csv.WriteField(row.ConfirmedAt?.UtcDateTime.ToString("o", CultureInfo.InvariantCulture));
            csv.WriteField("counted");
            csv.WriteField(row.Comment);
            csv.WriteField(row.Private ? "true" : "false");
            await csv.EndRecordAsync(ct).ConfigureAwait(false);
            rows++;
        }
        await csv.FlushAsync(ct).ConfigureAwait(false);
        return rows;
    }

    /// <summary>An organizer's anonymisation: only of a closed (or won) petition, whose signers are no longer needed for it.</summary>
    public async Task<AnonymiseOutcome> AnonymiseClosedAsync(string petitionId, CancellationToken ct)
    {
        var petition = await petitions.ReadAsync(petitionId, ct).ConfigureAwait(false);
        if (petition is null) return new AnonymiseOutcome.PetitionNotFound();
        // An open petition still delivers and emails its signers: anonymising it would drop them from deliveries for good.
        if (petition.IsOpen) return new AnonymiseOutcome.PetitionOpen();
        return new AnonymiseOutcome.Done(await AnonymiseAsync(petitionId, ct).ConfigureAwait(false));
    }

    /// <summary>
    /// Anonymises one petition's signatures: personal columns go, status, state and times stay, so counts do not move.
    /// Idempotent: rows already anonymised or removed are skipped. Unsent signer emails go too (they hold addresses), and
    /// so do the signer lists of its stored deliveries and their highlights (the manifests and counts stay).
    /// </summary>
    public async Task<int> AnonymiseAsync(string petitionId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var targets = new List<(int Shard, string RowKey)>();
        await foreach (var row in signatures.QueryForAnonymisationAsync(petitionId, ct).ConfigureAwait(false))
            if (row.Status != SignatureRowStatus.Removed && row.AnonymisedAt is null) targets.Add((row.Shard, row.RowKey));
        var done = 0;
        foreach (var (shard, rowKey) in targets)
        {
            var result = await signatures.TransitionAsync(petitionId, shard, rowKey, row =>
                row.Status == SignatureRowStatus.Removed || row.AnonymisedAt is not null ? null : RowChange.Anonymise(row.Status, now), ct).ConfigureAwait(false);
            if (result.Outcome == TransitionOutcome.Changed) done++;
        }
        for (var shard = 0; shard < signatures.ShardCount; shard++)
        {
            await signatures.DropReplacementsAsync(petitionId, shard, null, ct).ConfigureAwait(false);
            await foreach (var outbox in signatures.ListOutboxAsync(petitionId, shard, ct).ConfigureAwait(false))
                await signatures.DeleteOutboxAsync(petitionId, shard, outbox, ct).ConfigureAwait(false);
        }
        await deliveries.ForgetSignersAsync(petitionId, ct).ConfigureAwait(false);
        logger.LogInformation("Anonymised {Rows} signatures of {PetitionId}", done, petitionId);
        return done;
    }

    /// <summary>The <c>AnonymiseClosedPetitions</c> timer: every petition closed longer than the retention period.</summary>
    public async Task<RetentionSummary> RunRetentionAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow().AddDays(-options.Value.RetentionDays);
        int count = 0, rows = 0;
        foreach (var petition in await petitions.ListAsync(ct).ConfigureAwait(false))
        {
            if (petition.IsOpen || (petition.ClosedAt ?? petition.UpdatedAt) > cutoff) continue;
            count++;
            rows += await AnonymiseAsync(petition.Id, ct).ConfigureAwait(false);
        }
        await timerRuns.RecordAsync(PipelineTimers.AnonymiseClosedPetitions, ct).ConfigureAwait(false);
        return new RetentionSummary(count, rows);
    }
}
