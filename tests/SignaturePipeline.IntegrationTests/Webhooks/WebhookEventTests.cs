using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.Email;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Milestones;
using SignaturePipeline.Petitions;
using SignaturePipeline.Storage;
using SignaturePipeline.Timers;
using SignaturePipeline.Updates;
using Azure.Storage.Queues;

namespace SignaturePipeline.IntegrationTests.Webhooks;

/// <summary>Events beyond signatures, and the local host running the webhook queue as the Functions app does.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class WebhookEventTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_milestone_that_is_emailed_is_also_sent_as_milestone_reached_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var transport = new RecordingEmailTransport();
        await using var harness = await WebhookHarness.StartAsync(azurite, configure: s => s.AddSingleton<IEmailTransport>(transport));
        var id = await harness.PetitionAsync(receiver.Url, events: [WebhookEvents.MilestoneReached], milestones: [2]);
        await harness.SignAsync(id, 3);

        var notifier = harness.Services.GetRequiredService<MilestoneNotifier>();
        await notifier.RunAsync(CancellationToken.None);
        await notifier.RunAsync(CancellationToken.None);
        await harness.DispatchAsync();
        await harness.PumpUntilAsync(() => !receiver.Store.IsEmpty);
        await harness.DrainAsync(TimeSpan.FromMilliseconds(300));

        var request = Assert.Single(receiver.Requests);
        Assert.Equal(WebhookEvents.MilestoneReached, request.Event);
        Assert.True(WebhookHarness.Verifies(WebhookHarness.Secret, request, TimeSpan.FromMinutes(5)));
        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal(WebhookEvents.MilestoneReached, body.GetProperty("event").GetString());
        Assert.Equal(2, body.GetProperty("data").GetProperty("threshold").GetInt32());
        Assert.Equal(3, body.GetProperty("data").GetProperty("signatureCount").GetInt64());
    }

    [Fact]
    public async Task An_update_whose_fan_out_finished_is_sent_as_update_sent_once_with_its_totals_and_no_signer()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var harness = await WebhookHarness.StartAsync(azurite, new Dictionary<string, string?> { ["Updates:MaxEmailsPerMinute"] = "0" },
            configure: s => s.AddSingleton<IEmailTransport>(new RecordingEmailTransport()));
        var id = await harness.PetitionAsync(receiver.Url, events: [WebhookEvents.UpdateSent]);
        await harness.SignAsync(id, 3, 0, 0, 1, 2);
        var published = Assert.IsType<PublishResult.Published>(await harness.Services.GetRequiredService<UpdateHandlers>()
            .PublishAsync(id, new UpdateRequest { Kind = "update", Subject = "We delivered", Body = "Your signatures reached the Governor." }, CancellationToken.None));

        // The updates queue, run as its trigger runs it, until the fan-out is done (a step past the end repeats nothing).
        var queue = harness.Services.GetRequiredService<QueueServiceClient>().GetQueueClient(QueueNames.Updates);
        var fanOut = harness.Services.GetRequiredService<UpdateFanOut>();
        for (var round = 0; round < 50 && (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0; round++)
            foreach (var message in (await queue.ReceiveMessagesAsync(32)).Value)
            {
                await fanOut.ProcessAsync(message.MessageText, CancellationToken.None);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }
        await harness.DispatchAsync();
        await harness.PumpUntilAsync(() => !receiver.Store.IsEmpty);
        await harness.DrainAsync(TimeSpan.FromMilliseconds(300));

        var request = Assert.Single(receiver.Requests);
        Assert.Equal(WebhookEvents.UpdateSent, request.Event);
        var data = JsonDocument.Parse(request.Body).RootElement.GetProperty("data");
        Assert.Equal(published.Update.UpdateId, data.GetProperty("updateId").GetString());
        Assert.Equal(3, data.GetProperty("sent").GetInt64());
        Assert.DoesNotContain("@", System.Text.Encoding.UTF8.GetString(request.Body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_local_host_dispatches_and_sends_webhooks_through_its_own_queue_trigger()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = await azurite.StartHostAsync(new Dictionary<string, string?>
        {
            ["Webhooks:AllowLoopback"] = "true",
            ["Webhooks:SafetyMarginSeconds"] = "0",
        });
        using var admin = host.CreateClient(AzuriteFixture.AdminKey);
        var id = AzuriteFixture.NewPetitionId("whhost");
        var definition = AzuriteFixture.Definition("Webhook host test") with
        {
            RequireConfirmation = false,
            Webhooks = [new WebhookDefinition { Url = receiver.Url.AbsoluteUri, Secret = WebhookHarness.Secret, Events = [WebhookEvents.SignatureCounted] }],
        };
        Assert.Equal(HttpStatusCode.Created, (await admin.PutAsJsonAsync($"api/admin/petitions/{id}", definition)).StatusCode);
        var posted = await admin.PostAsJsonAsync($"api/petitions/{id}/signatures", new
        {
            firstName = "Ana", lastName = "García", email = $"ana.{id}@signers.example.net", postalCode = "10027", state = "NY", optIn = true,
        });
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);

        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (receiver.Store.IsEmpty)
        {
            Assert.True(DateTime.UtcNow < until, "The signature did not reach the receiver.");
            await admin.PostAsync($"admin/functions/{PipelineTimers.DispatchWebhooks}", new StringContent("{}"));
            await Task.Delay(250);
        }
        var request = Assert.Single(receiver.Requests);
        Assert.True(WebhookHarness.Verifies(WebhookHarness.Secret, request, TimeSpan.FromMinutes(5)));
        var data = JsonDocument.Parse(request.Body).RootElement.GetProperty("data");
        Assert.Equal("García", data.GetProperty("lastName").GetString());
        Assert.Equal($"ana.{id}@signers.example.net", data.GetProperty("email").GetString());
    }
}
