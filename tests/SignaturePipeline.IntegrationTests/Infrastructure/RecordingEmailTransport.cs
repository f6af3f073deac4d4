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

    public IReadOnlyList<(MimeMessage Message, string Key)> Sent => _sent.ToList();

    /// <summary>Only this petition's milestone emails: other tests' petitions share the Azurite and every run sees them.</summary>
    public IReadOnlyList<(MimeMessage Message, string Key)> ForPetition(string petitionId) =>
        _sent.Where(s => s.Key.StartsWith($"milestone:{petitionId}:", StringComparison.Ordinal)).ToList();

    public async Task SendAsync(MimeMessage message, string idempotencyKey, CancellationToken ct)
    {
        Interlocked.Increment(ref _attempts);
        if (Delay > TimeSpan.Zero) await Task.Delay(Delay, ct);
        if (FailWith?.Invoke(idempotencyKey) is { } error) throw error;
        _sent.Enqueue((message, idempotencyKey));
    }
}
