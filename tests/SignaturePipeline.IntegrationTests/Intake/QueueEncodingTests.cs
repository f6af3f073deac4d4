using System.Text;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.IntegrationTests.Infrastructure;

namespace SignaturePipeline.IntegrationTests.Intake;

[Collection(AzuriteGroup.Name)]
public sealed class QueueEncodingTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task The_queue_client_intake_uses_writes_Base64_as_a_Functions_queue_trigger_expects()
    {
        await using var services = await azurite.BuildServicesAsync();
        var queueName = "encoding-" + Guid.NewGuid().ToString("N")[..8];
        var encoded = services.GetRequiredService<QueueServiceClient>().GetQueueClient(queueName);
        await encoded.CreateAsync();
        await encoded.SendMessageAsync("{\"schema\":1}");

        // What the Functions host reads off the wire: the raw text, which it Base64-decodes.
        var raw = new QueueClient(azurite.Azurite.ConnectionString, queueName, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        var message = (await raw.ReceiveMessageAsync()).Value;
        Assert.Equal("{\"schema\":1}", Encoding.UTF8.GetString(Convert.FromBase64String(message.MessageText)));
        await raw.DeleteAsync();
    }
}
