using Microsoft.Extensions.Logging;
using SignaturePipeline.Confirmation;
using SignaturePipeline.Petitions;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Abuse;

/// <summary>A held signature as organizers review it: why, where from (state, email domain, IP hash), when; no name, no address.</summary>
public sealed record HeldSignature(string Id, string? Flag, string? State, string? EmailDomain, string? IpHash, DateTimeOffset? SignedAt, bool Confirmed);

/// <summary>What a bulk admin action changed. <see cref="CountDelta"/> is exactly what the public count moved by.</summary>
public sealed record ReviewReport(int Matched, int Changed, int Unchanged, int NotFound, long CountDelta, IReadOnlyDictionary<string, int> ChangedFrom);

/// <summary>An invalidation rule: every criterion given must match. At least one is required.</summary>
public sealed record InvalidationRule(string? IpHash, string? Domain, DateTimeOffset? From, DateTimeOffset? To, string? Reason, bool DryRun = false);

public abstract record ReviewResult
{
    private ReviewResult() { }
    public sealed record Done(ReviewReport Report) : ReviewResult;
    public sealed record PetitionNotFound : ReviewResult;
    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : ReviewResult;
}

/// <summary>
/// Organizers' review of held signatures and invalidation by rule. Every change goes through
/// <see cref="SignatureStore.TransitionAsync"/>, so counts move exactly once, and the row keeps the reason.
/// Bounded scans (a partition query per shard) are acceptable here: these are rare admin actions, never a request path.
/// </summary>
public sealed class ReviewHandlers(PetitionStore petitions, SignatureStore signatures, SignerMailDispatcher mailer, TimeProvider clock, ILogger<ReviewHandlers> logger)
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
            new OutboxRow(key, SignerMailKinds.Confirm, before.ReceiptId, before.RowKey, before.Email, before.Lang, clock.GetUtcNow()) { IpHash = before.IpHash }, ct).ConfigureAwait(false);
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
    /// Invalidates every signature matching the rule (IP hash, email domain and subdomains, time window), counted or
    /// not, and records the reason on each row. Returns what changed, and how the count moved.
    /// </summary>
    public async Task<ReviewResult> InvalidateByRuleAsync(string petitionId, InvalidationRule rule, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var why = Text.Normalize(rule.Reason);
        if (why.Length is 0 or > 200) errors.Add(new("reason", "reason_required", "Say why, in up to 200 characters."));
        var domain = rule.Domain?.Trim().TrimStart('@').ToLowerInvariant();
        if (rule.IpHash is null && string.IsNullOrEmpty(domain) && rule.From is null && rule.To is null)
            errors.Add(new("rule", "rule_required", "Give at least one of ipHash, domain, from, to."));
        if (rule.IpHash is { } ip && (ip.Length != 32 || !ip.All(char.IsAsciiHexDigitLower)))
            errors.Add(new("ipHash", "ip_hash_invalid", "Use an ipHash exactly as the held list shows it."));
        if (domain is { Length: > 253 }) errors.Add(new("domain", "domain_invalid", "That is not a domain."));
        if (errors.Count > 0) return new ReviewResult.Invalid(errors);
        if (await petitions.ReadAsync(petitionId, ct).ConfigureAwait(false) is null) return new ReviewResult.PetitionNotFound();

        var targets = new List<(int Shard, string RowKey)>();
        await foreach (var row in signatures.QuerySignedAsync(petitionId, rule.IpHash, rule.From, rule.To, ct).ConfigureAwait(false))
        {
            if (!string.IsNullOrEmpty(domain))
            {
                // A removed row has no email left: it is out of the count already.
                var d = DomainOf(row.Email);
                if (d is null || d != domain && !d.EndsWith("." + domain, StringComparison.Ordinal)) continue;
            }
            if (targets.Count < MaxPerCall) targets.Add((row.Shard, row.RowKey));
        }
        if (rule.DryRun) return new ReviewResult.Done(new ReviewReport(targets.Count, 0, targets.Count, 0, 0, new Dictionary<string, int>()));
        var now = clock.GetUtcNow();
        var report = await ApplyAsync(petitionId, targets, row => row.Status is SignatureRowStatus.Invalidated or SignatureRowStatus.Removed ? null
            : RowChange.Invalidate(why, now), ct).ConfigureAwait(false);
        logger.LogInformation("Rule invalidation on {PetitionId} ({Reason}): {Matched} matched, {Changed} invalidated, count moved {CountDelta}",
            petitionId, why, report.Matched, report.Changed, report.CountDelta);
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
        return at < 0 ? null : email![(at + 1)..];
    }
}
