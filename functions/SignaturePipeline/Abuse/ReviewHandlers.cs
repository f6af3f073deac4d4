using Microsoft.Extensions.Logging;
using SignaturePipeline.Confirmation;
using SignaturePipeline.Petitions;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Abuse;

/// <summary>A held signature as organizers review it: why, where from (state, email domain, IP hash), when; no name, no address.</summary>
public sealed record HeldSignature(string Id, string? Flag, string? State, string? EmailDomain, string? IpHash, DateTimeOffset? SignedAt, bool Confirmed);

/// <summary>What a bulk admin action changed. <see cref="CountDelta"/> is exactly what the public count moved by.</summary>
public sealed record ReviewReport(int Matched, int Changed, int Unchanged, int NotFound, long CountDelta, IReadOnlyDictionary<string, int> ChangedFrom);

/// <summary>
/// An invalidation rule: every criterion given must match, and an IP hash or a domain is required. It is a dry run unless
/// it says <c>dryRun: false</c>: a mistyped rule must cost nothing.
/// </summary>
public sealed record InvalidationRule(string? IpHash, string? Domain, DateTimeOffset? From, DateTimeOffset? To, string? Reason, bool DryRun = true);

/// <summary>
/// What an invalidation by rule changed or, on a dry run, would change. <see cref="InvalidationId"/> names a real run,
/// for its revert.
/// </summary>
public sealed record RuleReport(bool DryRun, string? InvalidationId, int Matched, int Changed, int Unchanged, int NotFound, long CountDelta,
    IReadOnlyDictionary<string, int> ChangedFrom);

/// <summary>
/// The domain part of a rule: <c>example.org</c> matches addresses at exactly that domain, <c>*.example.org</c> those at
/// its subdomains only. A bare suffix such as <c>com</c> is refused: it would match every address under it.
/// </summary>
public sealed record DomainMatch(string Domain, bool Subdomains)
{
    public static DomainMatch? Parse(string? value, out FieldError? error)
    {
        error = null;
        var text = value?.Trim().TrimStart('@').ToLowerInvariant();
        if (string.IsNullOrEmpty(text)) return null;
        var subdomains = text.StartsWith("*.", StringComparison.Ordinal);
        var domain = subdomains ? text[2..] : text;
        var labels = domain.Split('.');
        if (domain.Length > 253 || labels.Length < 2 || labels.Any(l => l.Length is 0 or > 63 || l.Contains('*', StringComparison.Ordinal)))
        {
            error = new("domain", "domain_invalid", "Give a whole domain, like example.org, or *.example.org for its subdomains.");
            return null;
        }
        return new DomainMatch(domain, subdomains);
    }

    public bool Matches(string? domain) =>
        domain is not null && (Subdomains ? domain.EndsWith("." + Domain, StringComparison.Ordinal) : domain == Domain);

    public override string ToString() => Subdomains ? "*." + Domain : Domain;
}

public abstract record ReviewResult
{
    private ReviewResult() { }
    public sealed record Done(ReviewReport Report) : ReviewResult;
    public sealed record Ruled(RuleReport Report) : ReviewResult;
    public sealed record PetitionNotFound : ReviewResult;
    public sealed record InvalidationNotFound : ReviewResult;
    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : ReviewResult;
}

/// <summary>
/// Organizers' review of held signatures and invalidation by rule. Every change goes through
/// <see cref="SignatureStore.TransitionAsync"/>, so counts move exactly once, and the row keeps the reason.
/// Bounded scans (a partition query per shard) are acceptable here: these are rare admin actions, never a request path.
/// </summary>
public sealed class ReviewHandlers(PetitionStore petitions, SignatureStore signatures, InvalidationLog log, SignerMailDispatcher mailer, TimeProvider clock, ILogger<ReviewHandlers> logger)
{
    /// <summary>Most rows one bulk call acts on; call again for the rest.</summary>
    public const int MaxPerCall = 5_000;

    public async Task<IReadOnlyList<HeldSignature>?> ListHeldAsync(string petitionId, int limit, CancellationToken ct)
    {
        if (await petitions.ReadAsync(petitionId, ct).ConfigureAwait(false) is null) return null;
        var list = new List<HeldSignature>();
        await foreach (var row in signatures.QueryHeldAsync(petitionId, ct).ConfigureAwait(false))
        {
            list.Add(new HeldSignature(row.Handle, row.Flag, row.State, DomainOf(row.Email), row.IpHash, row.SignedAt, row.Confirmed));
            if (list.Count >= limit) break;
        }
        return list;
    }

    /// <summary>
    /// Releases held signatures into the count (exactly once each). On a confirmation petition an unconfirmed one
    /// becomes pending instead, gets the confirmation email it was held without, and counts when its signer confirms.
    /// </summary>
    public Task<ReviewResult> ReleaseAsync(string petitionId, IReadOnlyList<string>? ids, bool all, CancellationToken ct) =>
        ActOnHeldAsync(petitionId, ids, all, (petition, now) => row => row.Status != SignatureRowStatus.Suspicious ? null
            : RowChange.Release(petition.RequireConfirmation && !row.Confirmed ? SignatureRowStatus.Pending : SignatureRowStatus.Counted, now), ct,
            SendConfirmationAsync);

    /// <summary>
    /// Records the released row's confirmation email under <c>{receipt}_release</c> (one per signature: a second release
    /// finds the row pending and changes nothing), then hands it to the sender.
    /// </summary>
    private async Task SendConfirmationAsync(Petition petition, SignatureRow before, TransitionResult result, CancellationToken ct)
    {
        if (result.To != SignatureRowStatus.Pending || before.Email is null || before.ReceiptId is null) return;
        var key = before.ReceiptId + "_release";
        await signatures.AddOutboxAsync(petition.Id, before.Shard,
            new OutboxRow(key, SignerMailKinds.Confirm, before.ReceiptId, before.RowKey, before.Email, before.Lang, clock.GetUtcNow()) { IpHash = before.IpHash, Private = before.Private }, ct).ConfigureAwait(false);
        mailer.Post([(petition, before.Shard, key)]);
    }

    /// <summary>Invalidates held signatures: they stay stored (for the record) and never count.</summary>
    public Task<ReviewResult> InvalidateHeldAsync(string petitionId, IReadOnlyList<string>? ids, bool all, string? reason, CancellationToken ct)
    {
        var why = Text.Normalize(reason);
        if (why.Length is 0 or > 200) return Task.FromResult<ReviewResult>(new ReviewResult.Invalid([new("reason", "reason_required", "Say why, in up to 200 characters.")]));
        return ActOnHeldAsync(petitionId, ids, all, (_, now) => row => row.Status is SignatureRowStatus.Invalidated or SignatureRowStatus.Removed ? null
            : RowChange.Invalidate(why, now), ct);
    }

    private async Task<ReviewResult> ActOnHeldAsync(string petitionId, IReadOnlyList<string>? ids, bool all, Func<Petition, DateTimeOffset, Func<SignatureRow, RowChange?>> change, CancellationToken ct,
        Func<Petition, SignatureRow, TransitionResult, CancellationToken, Task>? afterChange = null)
    {
        var petition = await petitions.ReadAsync(petitionId, ct).ConfigureAwait(false);
        if (petition is null) return new ReviewResult.PetitionNotFound();
        var targets = new List<(int Shard, string RowKey)>();
        if (all)
        {
            await foreach (var row in signatures.QueryHeldAsync(petitionId, ct).ConfigureAwait(false))
                if (targets.Count < MaxPerCall) targets.Add((row.Shard, row.RowKey));
        }
        else
        {
            if (ids is null || ids.Count == 0 || ids.Count > MaxPerCall)
                return new ReviewResult.Invalid([new("ids", "ids_required", $"List 1 to {MaxPerCall:N0} signature ids from the held list, or send all: true.")]);
            foreach (var id in ids)
            {
                if (!SignatureRow.TryParseHandle(id, out var shard, out var rowKey) || shard >= signatures.ShardCount)
                    return new ReviewResult.Invalid([new("ids", "id_invalid", "An id is not one from the held list.")]);
                targets.Add((shard, rowKey));
            }
        }
        var decide = change(petition, clock.GetUtcNow());
        return new ReviewResult.Done(await ApplyAsync(petitionId, targets, decide, ct,
            afterChange is null ? null : (row, result, token) => afterChange(petition, row, result, token)).ConfigureAwait(false));
    }

    /// <summary>
    /// Invalidates every signature matching the rule (an IP hash, an email domain: exact, or <c>*.example.org</c> for
    /// its subdomains only; optionally a time window), counted or not, and records the reason on each row. Unless the
    /// rule says <c>dryRun: false</c> nothing changes: the answer says what would. A real run is recorded (the rule,
    /// then every row it targets) before any row changes, and its id is what <see cref="RevertAsync"/> undoes.
    /// </summary>
    public async Task<ReviewResult> InvalidateByRuleAsync(string petitionId, InvalidationRule rule, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var why = Text.Normalize(rule.Reason);
        if (why.Length is 0 or > 200) errors.Add(new("reason", "reason_required", "Say why, in up to 200 characters."));
        var domain = DomainMatch.Parse(rule.Domain, out var domainError);
        if (domainError is not null) errors.Add(domainError);
        // A time window alone would match every signer of the period, real ones included: a source must be named.
        if (rule.IpHash is null && domain is null && domainError is null)
            errors.Add(new("rule", "rule_required", "Name the source: an ipHash, a domain, or both (from and to only narrow them)."));
        if (rule.IpHash is { } ip && (ip.Length != 32 || !ip.All(char.IsAsciiHexDigitLower)))
            errors.Add(new("ipHash", "ip_hash_invalid", "Use an ipHash exactly as the held list shows it."));
        if (errors.Count > 0) return new ReviewResult.Invalid(errors);
        if (await petitions.ReadAsync(petitionId, ct).ConfigureAwait(false) is null) return new ReviewResult.PetitionNotFound();

        var targets = new List<(int Shard, string RowKey)>();
        int wouldChange = 0;
        long wouldMove = 0;
        var wouldChangeFrom = new SortedDictionary<string, int>(StringComparer.Ordinal);
        await foreach (var row in signatures.QuerySignedAsync(petitionId, rule.IpHash, rule.From, rule.To, ct).ConfigureAwait(false))
        {
            // A removed row has no email left: it is out of the count already.
            if (domain is not null && !domain.Matches(DomainOf(row.Email))) continue;
            if (targets.Count >= MaxPerCall) break;
            targets.Add((row.Shard, row.RowKey));
            if (row.Status is SignatureRowStatus.Invalidated or SignatureRowStatus.Removed) continue;
            wouldChange++;
            if (row.Status == SignatureRowStatus.Counted) wouldMove--;
            var name = SignatureStore.StatusName(row.Status);
            wouldChangeFrom[name] = wouldChangeFrom.GetValueOrDefault(name) + 1;
        }
        if (rule.DryRun)
            return new ReviewResult.Ruled(new RuleReport(true, null, targets.Count, wouldChange, targets.Count - wouldChange, 0, wouldMove, wouldChangeFrom));

        var now = clock.GetUtcNow();
        var id = InvalidationLog.NewId(now);
        await log.RecordAsync(petitionId, new InvalidationRecord(id, why, rule.IpHash, domain?.ToString(), rule.From, rule.To, now, targets.Count, null),
            targets.Select(t => $"{t.Shard:D2}.{t.RowKey}").ToList(), ct).ConfigureAwait(false);
        var report = await ApplyAsync(petitionId, targets, row => row.Status is SignatureRowStatus.Invalidated or SignatureRowStatus.Removed ? null
            : RowChange.InvalidateByRule(why, id, row.Status, now), ct).ConfigureAwait(false);
        logger.LogInformation("Rule invalidation {InvalidationId} on {PetitionId} ({Reason}): {Matched} matched, {Changed} invalidated, count moved {CountDelta}",
            id, petitionId, why, report.Matched, report.Changed, report.CountDelta);
        return new ReviewResult.Ruled(new RuleReport(false, id, report.Matched, report.Changed, report.Unchanged, report.NotFound, report.CountDelta, report.ChangedFrom));
    }

    /// <summary>
    /// Undoes one invalidation by rule: each row that rule invalidated, and that nothing changed since, goes back to the
    /// status it had (a pending row its signer confirmed meanwhile goes to counted), and the count with it. A row removed
    /// since, or never reached by the rule, is left alone; calling it again changes nothing.
    /// </summary>
    public async Task<ReviewResult> RevertAsync(string petitionId, string invalidationId, CancellationToken ct)
    {
        if (!InvalidationLog.IsId(invalidationId) || await log.ReadAsync(petitionId, invalidationId, ct).ConfigureAwait(false) is null)
            return new ReviewResult.InvalidationNotFound();
        var now = clock.GetUtcNow();
        var targets = new List<(int Shard, string RowKey)>();
        await foreach (var handle in log.TargetsAsync(petitionId, invalidationId, ct).ConfigureAwait(false))
            if (SignatureRow.TryParseHandle(handle, out var shard, out var rowKey)) targets.Add((shard, rowKey));
        var report = await ApplyAsync(petitionId, targets, row =>
            row.Status != SignatureRowStatus.Invalidated || row.InvalidationId != invalidationId || row.InvalidatedFrom is not { } from ? null
                : RowChange.RevertInvalidation(from == SignatureRowStatus.Pending && row.Confirmed ? SignatureRowStatus.Counted : from, now), ct).ConfigureAwait(false);
        await log.MarkRevertedAsync(petitionId, invalidationId, now, ct).ConfigureAwait(false);
        logger.LogInformation("Rule invalidation {InvalidationId} on {PetitionId} reverted: {Changed} restored, count moved {CountDelta}",
            invalidationId, petitionId, report.Changed, report.CountDelta);
        return new ReviewResult.Done(report);
    }

    private async Task<ReviewReport> ApplyAsync(string petitionId, List<(int Shard, string RowKey)> targets, Func<SignatureRow, RowChange?> decide, CancellationToken ct,
        Func<SignatureRow, TransitionResult, CancellationToken, Task>? afterChange = null)
    {
        int changed = 0, unchanged = 0, missing = 0;
        long delta = 0;
        var from = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var (shard, rowKey) in targets)
        {
            SignatureRow? before = null;
            var result = await signatures.TransitionAsync(petitionId, shard, rowKey, row => decide(before = row), ct).ConfigureAwait(false);
            switch (result.Outcome)
            {
                case TransitionOutcome.Changed:
                    if (afterChange is not null) await afterChange(before!, result, ct).ConfigureAwait(false);
                    changed++;
                    delta += result.CountDelta;
                    var name = SignatureStore.StatusName(result.From!.Value);
                    from[name] = from.GetValueOrDefault(name) + 1;
                    break;
                case TransitionOutcome.Unchanged: unchanged++; break;
                default: missing++; break;
            }
        }
        return new ReviewReport(targets.Count, changed, unchanged, missing, delta, from);
    }

    private static string? DomainOf(string? email)
    {
        var at = email?.LastIndexOf('@') ?? -1;
        return at < 0 ? null : email![(at + 1)..].ToLowerInvariant();
    }
}
