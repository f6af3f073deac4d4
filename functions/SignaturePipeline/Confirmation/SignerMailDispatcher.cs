using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SignaturePipeline.Petitions;

namespace SignaturePipeline.Confirmation;

/// <summary>
/// The signer-email sender beside the queue processor: the processor posts the outbox rows its commit recorded and
/// returns at once; this loop sends them in the background, one at a time. A slow or throttling email service therefore
/// delays emails, never counting. Nothing is lost when the process stops or the buffer is full: the rows stay in the
/// outbox, and the <c>SendSignerEmails</c> sweep sends what is older than <see cref="SignerMailer.SweepGrace"/>.
/// </summary>
public sealed class SignerMailDispatcher(SignerMailer mailer, ILogger<SignerMailDispatcher> logger) : BackgroundService
{
    /// <summary>Rows waiting in memory at most; past it a post is left to the sweep rather than holding the processor.</summary>
    public const int Capacity = 10_000;

    private readonly Channel<(Petition Petition, int Shard, string OutboxKey)> _waiting =
        Channel.CreateBounded<(Petition, int, string)>(new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Hands recorded outbox rows to the sender. Never waits.</summary>
    public void Post(IEnumerable<(Petition Petition, int Shard, string OutboxKey)> items)
    {
        foreach (var item in items)
            if (!_waiting.Writer.TryWrite(item))
                logger.LogWarning("Signer email {OutboxKey} left to the sweep: the sender is {Capacity} emails behind", item.OutboxKey, Capacity);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var item in _waiting.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            try { await mailer.DeliverAsync([item], stoppingToken).ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Signer email {OutboxKey} not sent; the sweep retries it", item.OutboxKey);
            }
        }
    }
}
