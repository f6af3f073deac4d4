using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using SignaturePipeline.Email;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.LocalHost;
using SignaturePipeline.Milestones;
using SignaturePipeline.Timers;

namespace SignaturePipeline.IntegrationTests.Milestones;

/// <summary>The local default end to end: the pickup folder, with nothing swapped at all.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class PickupTests(AzuriteFixture azurite) : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "pickup-" + Guid.NewGuid().ToString("N"));

    private Dictionary<string, string?> Settings => new()
    {
        ["Email:Transport"] = "pickup",
        ["Email:PickupDirectory"] = _folder,
        ["Email:From"] = "Petition Desk <desk@petitions.example.org>",
    };

    /// <summary>Other tests' petitions share the Azurite and may land here too; count this petition's files only.</summary>
    private string[] FilesOf(string petitionId) =>
        Directory.Exists(_folder) ? Directory.GetFiles(_folder, $"milestone_{petitionId}_*.eml") : [];

    [Fact]
    public async Task The_pickup_transport_writes_one_eml_per_milestone()
    {
        await using var services = await azurite.BuildServicesAsync(Settings);
        Assert.IsType<PickupDirectoryTransport>(services.GetRequiredService<IEmailTransport>());
        var notifier = services.GetRequiredService<MilestoneNotifier>();
        var id = await Seed.PetitionAsync(services, goal: 10, milestones: [2, 4]);

        await Seed.SignAsync(services, id, 2);
        await notifier.RunAsync(CancellationToken.None);
        await Seed.SignAsync(services, id, 2, first: 2);
        await notifier.RunAsync(CancellationToken.None);
        await notifier.RunAsync(CancellationToken.None);

        var files = FilesOf(id).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, files.Count);
        var message = await MimeMessage.LoadAsync(files.Single(f => Path.GetFileName(f).StartsWith($"milestone_{id}_4_", StringComparison.Ordinal)));
        Assert.Equal("desk@petitions.example.org", message.From.Mailboxes.Single().Address);
        Assert.Equal(Seed.OrganizerOf(id), message.To.Mailboxes.Single().Address);
        Assert.Contains("passed 4 supporters", message.Subject, StringComparison.Ordinal);
        Assert.NotNull(message.HtmlBody);
        Assert.Equal($"milestone:{id}:4", message.Headers[EmailSender.KeyHeader]);
    }

    [Fact]
    public async Task A_crash_after_the_send_but_before_the_mark_leaves_one_pickup_file()
    {
        var clock = new ShiftableClock();
        await using var services = await azurite.BuildServicesAsync(Settings, s => s.AddSingleton<TimeProvider>(clock));
        var id = await Seed.PetitionAsync(services, goal: 10, milestones: [3]);
        await Seed.SignAsync(services, id, 3);

        // A run that recorded, claimed and sent, then died before marking the milestone sent.
        var store = services.GetRequiredService<MilestoneStore>();
        await store.RecordAsync(id, 3, 3, clock.GetUtcNow(), CancellationToken.None);
        var record = Assert.Single(await store.ListAsync(id, CancellationToken.None));
        await store.TryClaimAsync(record, "a-run-that-died", clock.GetUtcNow() + MilestoneNotifier.ClaimLease, CancellationToken.None);
        await services.GetRequiredService<EmailSender>().SendAsync(
            new OutgoingEmail([Seed.OrganizerOf(id)], "first attempt", "text", "<p>html</p>"), MilestoneNotifier.IdempotencyKey(id, 3), CancellationToken.None);

        clock.Offset = MilestoneNotifier.ClaimLease + TimeSpan.FromMinutes(1);
        await services.GetRequiredService<MilestoneNotifier>().RunAsync(CancellationToken.None);

        var file = Assert.Single(FilesOf(id));
        Assert.Equal("first attempt", (await MimeMessage.LoadAsync(file)).Subject);
        Assert.Equal(MilestoneState.Sent, Assert.Single(await store.ListAsync(id, CancellationToken.None)).State);
    }

    [Fact]
    public async Task The_admin_endpoint_runs_the_timer_on_the_local_host()
    {
        await using var host = await azurite.StartHostAsync(Settings);
        var id = await Seed.PetitionAsync(host.Services, goal: 3, milestones: []);
        await Seed.SignAsync(host.Services, id, 3);

        using var client = host.CreateClient(AzuriteFixture.AdminKey);
        var response = await client.PostAsync(new Uri($"/admin/functions/{PipelineTimers.SendMilestoneEmails}", UriKind.Relative), new StringContent("{}"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var anonymous = host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync(new Uri($"/admin/functions/{PipelineTimers.SendMilestoneEmails}", UriKind.Relative), null)).StatusCode);

        var message = await MimeMessage.LoadAsync(Assert.Single(FilesOf(id)));
        Assert.Contains("reached its goal of 3 supporters", message.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public void The_sample_settings_bind_to_valid_email_options_and_the_deployed_acs_settings_do_too()
    {
        var (_, values, _) = LocalSettings.Load(AzuriteFixture.RepositoryRoot);
        using var local = Build(values);
        var options = local.GetRequiredService<Microsoft.Extensions.Options.IOptions<EmailOptions>>().Value;
        Assert.Equal((EmailTransports.Pickup, ".data/mail", null, null), (options.NormalizedTransport, options.PickupDirectory, options.Smtp.Port, options.Acs.UseManagedIdentity));
        Assert.IsType<PickupDirectoryTransport>(local.GetRequiredService<IEmailTransport>());
        Assert.Equal("0 */5 * * * *", values[PipelineTimers.Get(PipelineTimers.SendMilestoneEmails).ScheduleSetting]);

        // What infra/app/api.bicep sets in Azure.
        values["Email:Transport"] = "acs";
        values["Email:From"] = "DoNotReply@0000.azurecomm.net";
        values["Email:Acs:Endpoint"] = "https://acs-example.unitedstates.communication.azure.com";
        values["Email:Acs:UseManagedIdentity"] = "true";
        using var deployed = Build(values);
        Assert.IsType<AcsEmailTransport>(deployed.GetRequiredService<IEmailTransport>());
    }

    private static ServiceProvider Build(IDictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        return new ServiceCollection().AddLogging().AddEmail(configuration).BuildServiceProvider();
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }
}
