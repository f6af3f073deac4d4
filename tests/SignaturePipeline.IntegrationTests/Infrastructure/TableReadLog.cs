using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.Petitions;
using SignaturePipeline.Signatures;
using SignaturePipeline.Storage;

namespace SignaturePipeline.IntegrationTests.Infrastructure;

/// <summary>
/// Every GET the production table client sends, as its unescaped URL: counts what a path really costs in storage
/// requests against real Azurite. <see cref="Register"/> puts it into the client that <c>AddSignaturePipeline</c> builds.
/// </summary>
public sealed class TableReadLog : HttpPipelinePolicy
{
    private readonly ConcurrentQueue<string> _reads = new();

    /// <summary>Holds each GET this long before sending it: a slow storage read, so that concurrent requests overlap it.</summary>
    public TimeSpan Delay { get; set; }

    public void Register(IServiceCollection services)
    {
        var options = new TableClientOptions();
        options.AddPolicy(this, HttpPipelinePosition.PerCall);
        services.AddSingleton(sp => sp.GetRequiredService<StorageConnection>().CreateTableServiceClient(options));
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (message.Request.Method == RequestMethod.Get)
        {
            _reads.Enqueue(Uri.UnescapeDataString(message.Request.Uri.ToUri().AbsoluteUri));
            if (Delay > TimeSpan.Zero) await Task.Delay(Delay);
        }
        await ProcessNextAsync(message, pipeline);
    }

    public void Clear() => _reads.Clear();

    /// <summary>Point reads of the counter rows of <paramref name="petitionId"/>'s shards.</summary>
    public int CounterReadsOf(string petitionId) =>
        _reads.Count(u => u.Contains($"PartitionKey='{petitionId}_", StringComparison.Ordinal) && u.Contains($"RowKey='{SignatureStore.CounterRowKey}'", StringComparison.Ordinal));

    /// <summary>Point reads of <paramref name="petitionId"/>'s definition.</summary>
    public int DefinitionReadsOf(string petitionId) =>
        _reads.Count(u => u.Contains($"/{TableNames.Petitions}(PartitionKey='{PetitionStore.PartitionKey}',RowKey='{petitionId}')", StringComparison.Ordinal));
}
