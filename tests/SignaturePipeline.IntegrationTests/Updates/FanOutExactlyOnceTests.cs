using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using SignaturePipeline.Email;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Petitions;
using SignaturePipeline.Updates;

namespace SignaturePipeline.IntegrationTests.Updates;

/// <summary>
/// One update, one email per signer, whatever happens to the host sending it: killed in the middle of a page, a second
/// run overlapping the dead one's lease, then the redelivered messages on another host after the lease lapsed.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class FanOutExactlyOnceTests(AzuriteFixture azurite) : IDisposable
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "updates-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private Dictionary<string, string?> Settings => new()
    {
        ["Email:Transport"] = "pickup",
        ["Email:PickupDirectory"] = _folder,
        ["Updates:MaxEmailsPerMinute"] = "0",
    };

    /// <summary>
    /// The pickup folder until <paramref name="dieAfter"/> emails are written; then every send hangs for good, as on a host
    /// that was killed: nothing after that point is written, marked or released.
    /// </summary>
    private sealed class DyingTransport(IEmailTransport inner, int dieAfter) : IEmailTransport
    {
        private readonly TaskCompletionSource _never = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _started;
        public TaskCompletionSource Died { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task SendAsync(MimeMessage message, string idempotencyKey, CancellationToken ct)
        {
            if (Interlocked.Increment(ref _started) > dieAfter)
            {
                Died.TrySetResult();
                await _never.Task;
            }
            await inner.SendAsync(message, idempotencyKey, ct);
        }
    }

    private string[] FilesOf(string petitionId) =>
        Directory.Exists(_folder) ? Directory.GetFiles(_folder, $"update_{petitionId}_*.eml") : [];

    [Fact]
    public async Task A_host_killed_mid_fan_out_and_an_overlapping_run_still_send_each_signer_exactly_one_email()
    {
        const int signers = 60;
        const int dieAfter = 25;
        var clock = new ShiftableClock();
        DyingTransport? dying = null;
        // The dying host is never disposed: a killed process cleans nothing up.
        var first = await azurite.BuildServicesAsync(Settings, s =>
        {
            s.AddSingleton<TimeProvider>(clock);
            s.AddSingleton<IEmailTransport>(sp => dying = new DyingTransport(sp.GetRequiredService<PickupDirectoryTransport>(), dieAfter));
        });
        await using var second = await azurite.BuildServicesAsync(Settings, s => s.AddSingleton<TimeProvider>(clock));

        var id = AzuriteFixture.NewPetitionId("up");
        Assert.IsType<SavePetitionResult.Saved>(await first.GetRequiredService<PetitionHandlers>().SaveAsync(id, AzuriteFixture.Definition(), CancellationToken.None));
        await UpdateSigners.SignOptedInAsync(first, id, signers);
        var published = Assert.IsType<PublishResult.Published>(await first.GetRequiredService<UpdateHandlers>()
            .PublishAsync(id, new UpdateRequest { Kind = "update", Subject = "Delivered", Body = "We delivered your signatures." }, CancellationToken.None));
        var update = published.Update;
        string Message(int shard) => JsonSerializer.Serialize(new FanOutMessage(id, update.UpdateId, shard, clock.GetUtcNow()), Web);

        // The first host takes every shard and dies after 25 emails: its steps hold their leases and never finish.
        var firstFanOut = first.GetRequiredService<UpdateFanOut>();
        var killed = Enumerable.Range(0, update.Shards).Select(s => Task.Run(() => firstFanOut.ProcessAsync(Message(s), CancellationToken.None))).ToList();
        Assert.NotNull(dying);
        await dying.Died.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(500);
        Assert.Equal(dieAfter, FilesOf(id).Length);

        // A second host gets the redelivered messages while the dead host's leases are live: it sends nothing.
        var secondFanOut = second.GetRequiredService<UpdateFanOut>();
        for (var shard = 0; shard < update.Shards; shard++) await secondFanOut.ProcessAsync(Message(shard), CancellationToken.None);
        Assert.Equal(dieAfter, FilesOf(id).Length);

        // Once the leases lapse, the redelivered messages finish every shard from its last recorded page.
        clock.Offset = UpdateFanOut.Lease + TimeSpan.FromMinutes(1);
        for (var shard = 0; shard < update.Shards; shard++) await secondFanOut.ProcessAsync(Message(shard), CancellationToken.None);

        var files = FilesOf(id);
        Assert.Equal(signers, files.Length);
        var recipients = new List<string>();
        foreach (var file in files) recipients.Add((await MimeMessage.LoadAsync(file)).To.Mailboxes.Single().Address);
        Assert.Equal(Enumerable.Range(0, signers).Select(i => UpdateSigners.Email(id, "n" + i)).Order(StringComparer.Ordinal), recipients.Order(StringComparer.Ordinal));

        var progress = await second.GetRequiredService<UpdateHandlers>().GetAsync(id, update.UpdateId, CancellationToken.None);
        Assert.NotNull(progress);
        Assert.Equal("sent", progress.Status);
        Assert.Equal(signers, progress.Recipients);
        Assert.Equal(signers, progress.Sent);
        Assert.Equal(0, progress.Failed);

        // Messages delivered again after the end change nothing.
        for (var shard = 0; shard < update.Shards; shard++) await secondFanOut.ProcessAsync(Message(shard), CancellationToken.None);
        Assert.Equal(signers, FilesOf(id).Length);
        Assert.Contains(killed, k => !k.IsCompleted);
    }
}
