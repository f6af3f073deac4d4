using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SignaturePipeline.Receipts;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;
using SignaturePipeline.Storage;

namespace SignaturePipeline.Intake;

/// <summary>
/// Intake batching (the queue's counterpart of <see cref="GroupCommit{TItem, TOutcome}"/>, which coalesces table
/// transactions). Each request hands its signature over and waits; a few senders each take everything that is
/// waiting, write it as one queue message, and release those requests only once the queue has acknowledged it.
/// At rest a signature travels alone; in a spike hundreds share a message.
/// A request never answers 202 before its signature is durably queued.
/// </summary>
public sealed class SignatureEnqueuer : IAsyncDisposable
{
    // A message is at most 64 KiB after Base64 (4/3 larger), so the JSON must stay under 48 KiB.
    internal const int MaxMessageBytes = 45_000;
    private static readonly byte[] Prefix = Encoding.UTF8.GetBytes($"{{\"schema\":{SignatureMessage.CurrentSchema},\"items\":[");
    private static readonly byte[] Suffix = "]}"u8.ToArray();

    private readonly QueueClient _queue;
    private readonly Hmac _hmac;
    private readonly ILogger<SignatureEnqueuer> _logger;
    private readonly int _maxPerMessage;
    private readonly Channel<Entry> _channel = Channel.CreateUnbounded<Entry>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Task[] _senders;

    private sealed record Entry(QueuedSignature Signature, TaskCompletionSource<string> Done, byte[]? Json = null)
    {
        public byte[]? Json { get; set; } = Json;
    }

    public SignatureEnqueuer(QueueServiceClient queues, Hmac hmac, IOptions<PipelineOptions> options, ILogger<SignatureEnqueuer> logger)
    {
        _queue = queues.GetQueueClient(QueueNames.Signatures);
        _hmac = hmac;
        _logger = logger;
        _maxPerMessage = Math.Min(options.Value.MaxSignaturesPerMessage, ReceiptId.MaxIndex + 1);
        _senders = Enumerable.Range(0, options.Value.MaxConcurrentEnqueues).Select(_ => Task.Run(SendLoopAsync)).ToArray();
    }

    /// <summary>Queues the signature and returns its receipt id once the queue holds it. Throws when the queue cannot be written.</summary>
    public Task<string> EnqueueAsync(string petitionId, SignatureInput signature, DateTimeOffset receivedAt) =>
        EnqueueAsync(petitionId, signature, receivedAt, flag: null, ipHash: null);

    /// <summary>As above, with intake's abuse verdict and the keyed hash of the client's IP travelling with the signature.</summary>
    public Task<string> EnqueueAsync(string petitionId, SignatureInput signature, DateTimeOffset receivedAt, string? flag, string? ipHash)
    {
        var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var entry = new Entry(new QueuedSignature("", petitionId, receivedAt, signature) { Flag = flag, IpHash = ipHash }, done);
        if (!_channel.Writer.TryWrite(entry)) done.SetException(new ObjectDisposedException(nameof(SignatureEnqueuer)));
        return done.Task;
    }

    private async Task SendLoopAsync()
    {
        var reader = _channel.Reader;
        var batch = new List<Entry>(_maxPerMessage);
        Entry? carried = null; // too big for the last message: it opens this sender's next one
        while (carried is not null || await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            var batchId = ReceiptId.NewBatch();
            var size = Prefix.Length + Suffix.Length;
            while (batch.Count < _maxPerMessage)
            {
                var entry = carried ?? (reader.TryRead(out var next) ? next : null);
                carried = null;
                if (entry is null) break;
                var receipt = ReceiptId.Create(_hmac, batchId, batch.Count).Value;
                entry.Json = JsonSerializer.SerializeToUtf8Bytes(entry.Signature with { ReceiptId = receipt }, SignatureMessage.Json);
                if (batch.Count > 0 && size + entry.Json.Length + 1 > MaxMessageBytes)
                {
                    carried = entry;
                    break;
                }
                size += entry.Json.Length + 1;
                batch.Add(entry);
            }
            if (batch.Count > 0) await SendAsync(batch, batchId, size).ConfigureAwait(false);
        }
    }

    private async Task SendAsync(List<Entry> batch, string batchId, int size)
    {
        var body = new byte[size];
        var offset = 0;
        Prefix.CopyTo(body, offset); offset += Prefix.Length;
        for (var i = 0; i < batch.Count; i++)
        {
            if (i > 0) body[offset++] = (byte)',';
            batch[i].Json!.CopyTo(body, offset); offset += batch[i].Json!.Length;
        }
        Suffix.CopyTo(body, offset); offset += Suffix.Length;
        try
        {
            await _queue.SendMessageAsync(new BinaryData(body.AsMemory(0, offset))).ConfigureAwait(false);
            PipelineMetrics.SignaturesPerMessage.Record(batch.Count);
            for (var i = 0; i < batch.Count; i++)
                batch[i].Done.TrySetResult(ReceiptId.Create(_hmac, batchId, i).Value);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Could not enqueue {Count} signatures", batch.Count);
            foreach (var entry in batch) entry.Done.TrySetException(new QueueUnavailableException(e));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await Task.WhenAll(_senders).ConfigureAwait(false);
    }
}

/// <summary>The queue could not be written; the signature was not accepted and the signer should try again.</summary>
public sealed class QueueUnavailableException(Exception inner) : Exception("The signature queue is unavailable.", inner);
