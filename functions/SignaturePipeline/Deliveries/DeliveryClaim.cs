using Microsoft.Extensions.Logging;

namespace SignaturePipeline.Deliveries;

/// <summary>
/// A run's hold on one delivery. The lease is short, so a run whose host died frees the delivery within minutes (a long
/// lease would leave a weekly delivery stuck until an operator stepped in), and it is renewed while the run works, so a
/// million-signer compile keeps it. Progress writes and renewals go through one gate, so they never race each other's
/// ETag. When the claim is lost, or cannot be renewed before it lapses, <see cref="Token"/> cancels the work: from that
/// moment another run may take the delivery over.
/// </summary>
internal sealed class DeliveryClaim : IAsyncDisposable
{
    private readonly DeliveryStore _store;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _lease;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _work;
    private readonly CancellationTokenSource _stopRenewing = new();
    private readonly Task _renewals;

    private DeliveryClaim(DeliveryStore store, DeliveryRecord claimed, TimeSpan lease, TimeProvider clock, ILogger logger, CancellationToken ct)
    {
        _store = store;
        _clock = clock;
        _lease = lease;
        _logger = logger;
        Current = claimed;
        _work = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _renewals = RenewAsync(_stopRenewing.Token);
    }

    public DeliveryRecord Current { get; private set; }

    /// <summary>Cancelled when the caller cancels, or when this run can no longer be sure it holds the delivery.</summary>
    public CancellationToken Token => _work.Token;

    public bool WasLost { get; private set; }

    /// <summary>Null when another run holds or changed the delivery first.</summary>
    public static async Task<DeliveryClaim?> TryTakeAsync(DeliveryStore store, DeliveryRecord record, string run, TimeSpan lease,
        TimeProvider clock, ILogger logger, CancellationToken ct)
    {
        var claimed = await store.TryClaimAsync(record, run, clock.GetUtcNow() + lease, ct).ConfigureAwait(false);
        return claimed is null ? null : new DeliveryClaim(store, claimed, lease, clock, logger, ct);
    }

    /// <summary>Saves progress onto the latest version of the record. Throws when the claim was lost meanwhile.</summary>
    public async Task<DeliveryRecord> UpdateAsync(Func<DeliveryRecord, DeliveryRecord> change, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var updated = await _store.TryUpdateAsync(change(Current), ct).ConfigureAwait(false);
            if (updated is null)
            {
                WasLost = true;
                throw LostClaim(Current);
            }
            return Current = updated;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops renewing and gives the delivery back for the next run, with what went wrong.</summary>
    public async Task ReleaseAsync(string? error, bool newKey)
    {
        await StopRenewingAsync().ConfigureAwait(false);
        if (WasLost || Current.ClaimedBy is null) return;
        try
        {
            await _store.TryReleaseAsync(Current, error, newKey, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Storage is down: the lease lapses on its own, and the next run finds the error in the log instead.
            _logger.LogWarning(e, "Releasing the delivery of {PetitionId} to {TargetId} for {Week} failed; its lease lapses at {Until}",
                Current.PetitionId, Current.TargetId, Current.Week, Current.ClaimedUntil);
        }
    }

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
                if (Current.ClaimedBy is null) return; // sent and let go
                var renewed = await _store.TryUpdateAsync(Current with { ClaimedUntil = _clock.GetUtcNow() + _lease }, stop).ConfigureAwait(false);
                if (renewed is null)
                {
                    WasLost = true;
                    _logger.LogWarning("The claim on the delivery of {PetitionId} to {TargetId} for {Week} was taken over; this run stops", Current.PetitionId, Current.TargetId, Current.Week);
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
                _logger.LogWarning(e, "Renewing the claim on the delivery of {PetitionId} to {TargetId} for {Week} failed; retrying while the lease runs", Current.PetitionId, Current.TargetId, Current.Week);
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

    internal static InvalidOperationException LostClaim(DeliveryRecord r) =>
        new($"The claim on the delivery of {r.PetitionId} to {r.TargetId} for {r.Week} was lost; another run has taken it over.");
}
