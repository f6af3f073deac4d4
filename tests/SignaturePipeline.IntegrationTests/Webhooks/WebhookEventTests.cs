using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.Email;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Milestones;
using SignaturePipeline.Petitions;
using SignaturePipeline.Timers;

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
