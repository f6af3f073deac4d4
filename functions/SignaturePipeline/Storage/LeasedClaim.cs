using Microsoft.Extensions.Logging;

namespace SignaturePipeline.Storage;

/// <summary>
/// A stored fact that one run at a time may work on: who holds it, until when, how often it was tried, and which
/// idempotency key generation its next send uses.
/// </summary>
public interface ILeasedRecord<TSelf> where TSelf : ILeasedRecord<TSelf>
{
    string? ClaimedBy { get; }
    DateTimeOffset? ClaimedUntil { get; }
    int Attempts { get; }
    int KeyGeneration { get; }
    string? LastError { get; }

    /// <summary>The same record with these lease fields; everything else as it is.</summary>
    TSelf WithLease(string? claimedBy, DateTimeOffset? claimedUntil, int attempts, int keyGeneration, string? lastError);

    /// <summary>What it is, for logs and errors: "the delivery of … to … for …".</summary>
    string Describe();
}

/// <summary>How a run takes, keeps and gives back a <see cref="ILeasedRecord{TSelf}"/>: the one spelling for milestones and deliveries.</summary>
public static class LeasedRecords
{
    private const int MaxErrorLength = 1000;

    public static bool IsClaimedByOther<TRecord>(this TRecord record, string owner, DateTimeOffset now) where TRecord : ILeasedRecord<TRecord> =>
        record.ClaimedUntil > now && record.ClaimedBy != owner;

    /// <summary>The record taken by <paramref name="owner"/> until <paramref name="until"/>: one more attempt.</summary>
    public static TRecord Claimed<TRecord>(this TRecord record, string owner, DateTimeOffset until) where TRecord : ILeasedRecord<TRecord> =>
        record.WithLease(owner, until, record.Attempts + 1, record.KeyGeneration, record.LastError);

    /// <summary>The same record, held a while longer.</summary>
    public static TRecord Renewed<TRecord>(this TRecord record, DateTimeOffset until) where TRecord : ILeasedRecord<TRecord> =>
        record.WithLease(record.ClaimedBy, until, record.Attempts, record.KeyGeneration, record.LastError);

    /// <summary>
    /// The record given back for the next run, with what went wrong. <paramref name="newKey"/>: the failed attempt surely
    /// sent nothing, so the next may use a fresh idempotency key.
    /// </summary>
    public static TRecord Released<TRecord>(this TRecord record, string? error, bool newKey) where TRecord : ILeasedRecord<TRecord> =>
        record.WithLease(null, null, record.Attempts, record.KeyGeneration + (newKey ? 1 : 0), error is { Length: > MaxErrorLength } ? error[..MaxErrorLength] : error);
}

/// <summary>
/// A run's hold on one record (a delivery, a milestone). The lease is short, so a run whose host died frees the record
/// within a minute or two (a long lease would hold it until an operator stepped in), and it is renewed while the run
/// works, so a million-signer compile or a slow email service keeps it. Updates and renewals go through one gate, so
/// they never race each other's ETag. When the claim is lost, or cannot be renewed before it lapses, <see cref="Token"/>
/// cancels the work: from that moment another run may take the record over.
/// </summary>
internal sealed class LeasedClaim<TRecord> : IAsyncDisposable where TRecord : class, ILeasedRecord<TRecord>
{
    /// <summary>An ETag-guarded write of the record as given; null when it changed since it was read (412).</summary>
    public delegate Task<TRecord?> TryUpdate(TRecord record, CancellationToken ct);

    /// <summary>Lets the record go for the next run, with what went wrong.</summary>
    public delegate Task TryRelease(TRecord record, string? error, bool newKey, CancellationToken ct);

    private readonly TryUpdate _tryUpdate;
    private readonly TryRelease _tryRelease;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _lease;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _work;
    private readonly CancellationTokenSource _stopRenewing = new();
    private readonly Task _renewals;

    /// <summary>Holds <paramref name="claimed"/>, which this run has just claimed for <paramref name="lease"/>, and keeps renewing it.</summary>
    public LeasedClaim(TRecord claimed, TryUpdate tryUpdate, TryRelease tryRelease, TimeSpan lease, TimeProvider clock, ILogger logger, CancellationToken ct)
    {
        _tryUpdate = tryUpdate;
        _tryRelease = tryRelease;
        _clock = clock;
        _lease = lease;
        _logger = logger;
        Current = claimed;
        _work = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _renewals = RenewAsync(_stopRenewing.Token);
    }

    public TRecord Current { get; private set; }

    /// <summary>Cancelled when the caller cancels, or when this run can no longer be sure it holds the record.</summary>
    public CancellationToken Token => _work.Token;

    public bool WasLost { get; private set; }

    /// <summary>Saves a change onto the latest version of the record. Throws when the claim was lost meanwhile.</summary>
    public async Task<TRecord> UpdateAsync(Func<TRecord, TRecord> change, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var updated = await _tryUpdate(change(Current), ct).ConfigureAwait(false);
            if (updated is null)
            {
                WasLost = true;
                throw LostClaim();
            }
            return Current = updated;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops renewing and gives the record back for the next run, with what went wrong.</summary>
    public async Task ReleaseAsync(string? error, bool newKey)
    {
        await StopRenewingAsync().ConfigureAwait(false);
        if (WasLost || Current.ClaimedBy is null) return;
        try
        {
            await _tryRelease(Current, error, newKey, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Storage is down: the lease lapses on its own, and the next run finds the error in the log instead.
            _logger.LogWarning(e, "Releasing {Record} failed; its lease lapses at {Until}", Current.Describe(), Current.ClaimedUntil);
        }
    }

    public InvalidOperationException LostClaim() => new($"The claim on {Current.Describe()} was lost; another run has taken it over.");

    public async ValueTask DisposeAsync()
    {
        await StopRenewingAsync().ConfigureAwait(false);
        _work.Dispose();
        _stopRenewing.Dispose();
        _gate.Dispose();
    }

    private async Task StopRenewingAsync()
    {
        if (!_stopRenewing.IsCancellationRequested) await _stopRenewing.CancelAsync().ConfigureAwait(false);
        await _renewals.ConfigureAwait(false);
    }

    private async Task RenewAsync(CancellationToken stop)
    {
        // Three renewals per lease: one failed attempt (storage restarting) still leaves two before it lapses.
        var every = _lease / 3;
        while (true)
        {
            try
            {
                await Task.Delay(every, _clock, stop).ConfigureAwait(false);
                await _gate.WaitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                if (Current.ClaimedBy is null) return; // done and let go
                var renewed = await _tryUpdate(Current.Renewed(_clock.GetUtcNow() + _lease), stop).ConfigureAwait(false);
                if (renewed is null)
                {
                    WasLost = true;
                    _logger.LogWarning("The claim on {Record} was taken over; this run stops", Current.Describe());
                    await _work.CancelAsync().ConfigureAwait(false);
                    return;
                }
                Current = renewed;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Not lost yet: the lease still runs. Give up only when the next renewal might come too late.
                _logger.LogWarning(e, "Renewing the claim on {Record} failed; retrying while the lease runs", Current.Describe());
                if (Current.ClaimedUntil is not { } until || _clock.GetUtcNow() + every >= until)
                {
                    await _work.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}
