using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using SignaturePipeline.Storage;

namespace SignaturePipeline.LocalHost.Triggers;

/// <summary>A queue-triggered function: what the Functions host would call for each message.</summary>
public sealed record QueueFunction(string Name, string QueueName, Func<IServiceProvider, QueueMessage, CancellationToken, Task> Run);

/// <summary>The Functions host's queue settings (host.json <c>extensions.queues</c>), read from <c>LocalHost:Queues</c>.</summary>
public sealed class QueueTriggerOptions
{
    public const string Section = "LocalHost:Queues";
    /// <summary>Off only for measuring intake alone (the benchmark); Functions has the same switch per function (AzureWebJobs.{name}.Disabled).</summary>
    public bool Enabled { get; set; } = true;
    public int BatchSize { get; set; } = 16;
    public int NewBatchThreshold { get; set; } = 8;
    public int MaxDequeueCount { get; set; } = 5;
    /// <summary>How long a failed message stays invisible before its next try.</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(5);
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>How long a message being processed stays hidden from other consumers.</summary>
    public TimeSpan ProcessingLease { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>
/// Polls each queue with the Functions host's semantics: batches of up to 32, a new batch once the in-flight
/// count drops to the threshold, delete on success, release with the visibility timeout on failure, and after
/// <c>maxDequeueCount</c> tries a copy to <c>{queue}-poison</c>. Polling backs off up to the max interval when idle.
/// </summary>
public sealed class QueueTriggerHost(
    IEnumerable<QueueFunction> functions,
    QueueServiceClient queues,
    IServiceProvider services,
    IOptions<QueueTriggerOptions> options,
    ILogger<QueueTriggerHost> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.Enabled ? Task.WhenAll(functions.Select(f => PumpAsync(f, stoppingToken))) : Task.CompletedTask;

    private async Task PumpAsync(QueueFunction function, CancellationToken ct)
    {
        var settings = options.Value;
        var queue = queues.GetQueueClient(function.QueueName);
        var poison = queues.GetQueueClient(function.QueueName + QueueNames.PoisonSuffix);
        var inFlight = new HashSet<Task>();
        var idle = TimeSpan.FromMilliseconds(50);
        var batchSize = Math.Clamp(settings.BatchSize, 1, 32);

        while (!ct.IsCancellationRequested)
        {
            try
            {
                while (inFlight.Count > settings.NewBatchThreshold)
                    inFlight.Remove(await Task.WhenAny(inFlight).ConfigureAwait(false));

                QueueMessage[] messages = (await queue.ReceiveMessagesAsync(batchSize, settings.ProcessingLease, ct).ConfigureAwait(false)).Value;
                if (messages.Length == 0)
                {
                    await Task.Delay(idle, ct).ConfigureAwait(false);
                    idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, settings.MaxPollingInterval.Ticks));
                    continue;
                }
                idle = TimeSpan.FromMilliseconds(50);
                foreach (var message in messages)
                    inFlight.Add(RunOneAsync(function, queue, poison, message, settings, ct));
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (RequestFailedException e)
            {
                logger.LogWarning("Polling {Queue} failed ({Status}); retrying", function.QueueName, e.Status);
                await DelayQuietly(settings.MaxPollingInterval, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or AggregateException)
            {
                logger.LogWarning("Polling {Queue} failed ({Error}); retrying", function.QueueName, e.Message);
                await DelayQuietly(settings.MaxPollingInterval, ct).ConfigureAwait(false);
            }
        }
        await Task.WhenAll(inFlight).ConfigureAwait(false);
    }

    private async Task RunOneAsync(QueueFunction function, QueueClient queue, QueueClient poison, QueueMessage message, QueueTriggerOptions settings, CancellationToken ct)
    {
        try
        {
            await function.Run(services, message, ct).ConfigureAwait(false);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down: leave the message; it reappears when its lease ends, as in Functions.
            return;
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Function {Function} failed on message {MessageId} (try {DequeueCount})", function.Name, message.MessageId, message.DequeueCount);
        }
        try
        {
            if (message.DequeueCount >= settings.MaxDequeueCount)
            {
                await poison.SendMessageAsync(message.Body, cancellationToken: CancellationToken.None).ConfigureAwait(false);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None).ConfigureAwait(false);
                logger.LogError("Message {MessageId} moved to {Poison} after {DequeueCount} tries", message.MessageId, poison.Name, message.DequeueCount);
            }
            else
            {
                await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: settings.VisibilityTimeout, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            // Storage is down too: the lease runs out and the message comes back by itself.
            logger.LogWarning("Could not release message {MessageId}: {Error}", message.MessageId, e.Message);
        }
    }

    private static async Task DelayQuietly(TimeSpan delay, CancellationToken ct)
    {
        try { await Task.Delay(delay, ct).ConfigureAwait(false); }
        catch (OperationCanceledException) { }
    }
}
