using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.Intake;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Receipts;
using SignaturePipeline.Signatures;
using SignaturePipeline.Storage;

namespace SignaturePipeline.IntegrationTests.Operations;

[Collection(AzuriteGroup.Name)]
public sealed class OperationsTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private RunningHost _host = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _host = await azurite.StartHostAsync();
        _admin = _host.CreateClient(AzuriteFixture.AdminKey);
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Health_reports_queue_depths_poison_and_timer_runs()
    {
        await _admin.PostAsync("/admin/functions/SendMilestoneEmails", new StringContent("{}"));
        var health = await _admin.GetFromJsonAsync<JsonElement>("/api/admin/health");
        var queues = health.GetProperty("queues").EnumerateArray().Select(q => q.GetProperty("name").GetString()).ToList();
        Assert.Contains(QueueNames.Signatures, queues);
        Assert.Contains(QueueNames.SignaturesPoison, queues);
        Assert.True(health.GetProperty("poisonMessages").GetInt32() >= 0);
        Assert.True(health.GetProperty("lastTimerRuns").TryGetProperty("SendMilestoneEmails", out _));
    }

    [Fact]
    public async Task Health_without_the_admin_key_is_refused()
    {
        using var anonymous = _host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/admin/health")).StatusCode);
    }

    [Fact]
    public async Task A_damaged_counter_shows_as_drift_and_a_recount_repairs_it_exactly()
    {
        var petition = await Seed.PetitionAsync(_host.Services, goal: 100, milestones: [50]);
        await Seed.SignAsync(_host.Services, petition, 7, state: "NY");
        await Seed.SignAsync(_host.Services, petition, 5, first: 100, state: "CA");

        // Damage one shard's counter behind the pipeline's back, as a bug or a hand edit would.
        var table = _host.Services.GetRequiredService<TableServiceClient>().GetTableClient(TableNames.Signatures);
        var shard = Enumerable.Range(0, 4).Select(s => SignatureStore.PartitionKeyOf(petition, s))
            .First(pk => table.GetEntityIfExists<TableEntity>(pk, SignatureStore.CounterRowKey).HasValue);
        var counter = (await table.GetEntityAsync<TableEntity>(shard, SignatureStore.CounterRowKey)).Value;
        counter[SignatureStore.TotalProperty] = (counter.GetInt64(SignatureStore.TotalProperty) ?? 0) + 40;
        await table.UpdateEntityAsync(counter, counter.ETag, TableUpdateMode.Replace);

        var health = await _admin.GetFromJsonAsync<JsonElement>("/api/admin/health?recount=true");
        var drift = health.GetProperty("drift").EnumerateArray().Single(d => d.GetProperty("petitionId").GetString() == petition);
        Assert.Equal((52L, 12L), (drift.GetProperty("counted").GetInt64(), drift.GetProperty("recounted").GetInt64()));

        var repair = await (await _admin.PostAsync($"/api/admin/petitions/{petition}/recount", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((52L, 12L), (repair.GetProperty("before").GetInt64(), repair.GetProperty("after").GetInt64()));
        Assert.Single(repair.GetProperty("shardsRepaired").EnumerateArray());

        var counts = await _host.Services.GetRequiredService<SignatureStore>().GetCountsAsync(petition, CancellationToken.None);
        Assert.Equal(12, counts.Total);
        Assert.Equal((7L, 5L), (counts.ByState["NY"], counts.ByState["CA"]));

        // Counting goes on from the repaired value.
        await Seed.SignAsync(_host.Services, petition, 1, first: 200, state: "NY");
        Assert.Equal(13, (await _host.Services.GetRequiredService<SignatureStore>().GetCountsAsync(petition, CancellationToken.None)).Total);
    }

    [Fact]
    public async Task Poison_messages_can_be_re_driven_after_a_fix_and_are_then_counted_once()
    {
        var petition = await Seed.PetitionAsync(_host.Services, goal: 100, milestones: [50]);
        var hmac = _host.Services.GetRequiredService<Security.Hmac>();
        var batch = ReceiptId.NewBatch();
        var message = new SignatureMessage(SignatureMessage.CurrentSchema,
            [new QueuedSignature(ReceiptId.Create(hmac, batch, 0).Value, petition, DateTimeOffset.UtcNow,
                new SignatureInput { FirstName = "Re", LastName = "Driven", Email = "redrive@example.org", PostalCode = "10001", State = "NY" })]);
        // As if it had failed five times during an outage, the host moved it here.
        var queues = _host.Services.GetRequiredService<QueueServiceClient>();
        await queues.GetQueueClient(QueueNames.SignaturesPoison).SendMessageAsync(message.Serialize());

        var result = await (await _admin.PostAsync("/api/admin/poison/redrive", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(result.GetProperty("moved").GetInt32() >= 1);

        using var client = _host.CreateClient();
        var receipt = await PipelineClient.WaitForFinalAsync(client, message.Items[0].ReceiptId);
        Assert.Equal("counted", receipt.GetProperty("status").GetString());
        Assert.Equal(1, (await _host.Services.GetRequiredService<SignatureStore>().GetCountsAsync(petition, CancellationToken.None)).Total);
    }
}
