using System.Collections.Concurrent;
using MimeKit;
using SignaturePipeline.Email;

namespace SignaturePipeline.IntegrationTests.Infrastructure;

/// <summary>
/// Stands in for the one thing that leaves the machine. Records every message it accepts; can be slowed down
/// (to make parallel runs overlap) or told to fail (to prove a failed send is retried).
/// </summary>
public sealed class RecordingEmailTransport : IEmailTransport
{
    private readonly ConcurrentQueue<(MimeMessage Message, string Key)> _sent = new();
    private int _attempts;

    public TimeSpan Delay { get; set; }

    /// <summary>Asked before each send; an exception it returns is thrown instead of sending.</summary>
    public Func<string, Exception?>? FailWith { get; set; }

    public int Attempts => _attempts;

    private TaskCompletionSource? _held;
    private readonly TaskCompletionSource _heldStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Holds every send until the returned release is called; <c>Started</c> completes when the first held send began.
    /// A signal instead of a delay, so the test decides how long a send takes, whatever the machine's speed.
    /// </summary>
    public (Task Started, Action Release) Hold()
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _held = held;
        return (_heldStarted.Task, () => held.TrySetResult());
    }

    public IReadOnlyList<(MimeMessage Message, string Key)> Sent => _sent.ToList();

    /// <summary>Only this petition's milestone emails: other tests' petitions share the Azurite and every run sees them.</summary>
    public IReadOnlyList<(MimeMessage Message, string Key)> ForPetition(string petitionId) =>
        _sent.Where(s => s.Key.StartsWith($"milestone:{petitionId}:", StringComparison.Ordinal)).ToList();

    public async Task SendAsync(MimeMessage message, string idempotencyKey, CancellationToken ct)
    {
        Interlocked.Increment(ref _attempts);
        if (Delay > TimeSpan.Zero) await Task.Delay(Delay, ct);
        if (_held is { } held)
        {
            _heldStarted.TrySetResult();
            await held.Task.WaitAsync(ct);
        }
        if (FailWith?.Invoke(idempotencyKey) is { } error) throw error;
        _sent.Enqueue((message, idempotencyKey));
    }
}
