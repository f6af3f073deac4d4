using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.Email;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Petitions;
using SignaturePipeline.Updates;

namespace SignaturePipeline.IntegrationTests.Updates;

/// <summary><c>Updates__MaxEmailsPerMinute</c> paces a fan-out: each shard's chain sends its share of the minute's budget.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class UpdateThrottleTests(AzuriteFixture azurite)
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task A_shard_sends_its_share_of_the_per_minute_limit_and_no_faster()
    {
        var mail = new RecordingEmailTransport();
        // 120 a minute over the fixture's 4 shards: one email every 2 seconds per shard.
        await using var services = await azurite.BuildServicesAsync(new Dictionary<string, string?> { ["Updates:MaxEmailsPerMinute"] = "120" },
            s => s.AddSingleton<IEmailTransport>(mail));
        var id = AzuriteFixture.NewPetitionId("th");
        Assert.IsType<SavePetitionResult.Saved>(await services.GetRequiredService<PetitionHandlers>().SaveAsync(id, AzuriteFixture.Definition(), CancellationToken.None));
        var names = Enumerable.Range(0, 100).Select(i => "n" + i.ToString(CultureInfo.InvariantCulture))
            .Where(n => UpdateSigners.KeyOf(services, id, n).Shard == 0).Take(3).ToList();
        await UpdateSigners.SignAsync(services, id, names.Select(n => (n, true, (string?)null, (string?)null)));
        var update = Assert.IsType<PublishResult.Published>(await services.GetRequiredService<UpdateHandlers>()
            .PublishAsync(id, new UpdateRequest { Kind = "update", Subject = "Paced", Body = "One at a time." }, CancellationToken.None)).Update;

        var watch = Stopwatch.StartNew();
        await services.GetRequiredService<UpdateFanOut>().ProcessAsync(
            JsonSerializer.Serialize(new FanOutMessage(id, update.UpdateId, 0, DateTimeOffset.UtcNow), Web), CancellationToken.None);

        Assert.Equal(3, mail.Sent.Count(s => s.Key.StartsWith($"update:{id}:", StringComparison.Ordinal)));
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(3.9), $"three emails in {watch.Elapsed.TotalSeconds:F1} s");
    }
}
