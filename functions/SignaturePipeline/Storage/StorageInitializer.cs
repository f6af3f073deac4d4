using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SignaturePipeline.Storage;

/// <summary>
/// Creates the tables, queues and blob containers when a host starts. In Azure the Bicep template creates them too;
/// this makes a fresh Azurite, or a new account, work without a manual step.
/// </summary>
public sealed class StorageInitializer(TableServiceClient tables, QueueServiceClient queues, BlobServiceClient blobs, ILogger<StorageInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await Task.WhenAll(
                    TableNames.All.Select(t => tables.GetTableClient(t).CreateIfNotExistsAsync(cancellationToken))
                        .Concat<Task>(QueueNames.All.Select(q => queues.GetQueueClient(q).CreateIfNotExistsAsync(cancellationToken: cancellationToken)))
                        .Concat(ContainerNames.All.Select(c => blobs.GetBlobContainerClient(c).CreateIfNotExistsAsync(cancellationToken: cancellationToken))))
                    .ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException e) when (attempt < 10 && e.Status is 0 or >= 500)
            {
                logger.LogInformation("Storage not ready ({Status}); retrying", e.Status);
                await Task.Delay(TimeSpan.FromMilliseconds(300 * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
