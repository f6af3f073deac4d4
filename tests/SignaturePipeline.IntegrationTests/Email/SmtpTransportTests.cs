using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.Email;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Milestones;

namespace SignaturePipeline.IntegrationTests.Email;

/// <summary>The SMTP transport against a real SMTP server (maildev) on loopback, with AUTH, through the milestone timer.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class SmtpTransportTests(AzuriteFixture azurite, SmtpTransportTests.MailDev server) : IClassFixture<SmtpTransportTests.MailDev>
{
    /// <summary>One maildev for the class: starting node costs about a second.</summary>
    public sealed class MailDev : IAsyncLifetime
    {
        public MailDevServer Server { get; private set; } = null!;
        public async Task InitializeAsync() => Server = await MailDevServer.StartAsync(AzuriteFixture.RepositoryRoot);
        public async Task DisposeAsync() => await Server.DisposeAsync();
    }

    private MailDevServer Maildev => server.Server;

    [Fact]
    public async Task A_milestone_email_reaches_a_real_smtp_server_with_both_bodies_and_escaped_comments()
    {
        var maildev = Maildev;
        await using var services = await azurite.BuildServicesAsync(new Dictionary<string, string?>
        {
            ["Email:Transport"] = "smtp",
            ["Email:From"] = "Petition Desk <desk@petitions.example.org>",
            ["Email:Smtp:Host"] = "127.0.0.1",
            ["Email:Smtp:Port"] = maildev.SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Email:Smtp:UseStartTls"] = "false",
            ["Email:Smtp:Username"] = MailDevServer.Username,
            ["Email:Smtp:Password"] = MailDevServer.Password,
            ["Pipeline:PublicBaseUrl"] = "https://petitions.example.org/",
        });
        Assert.IsType<SmtpEmailTransport>(services.GetRequiredService<IEmailTransport>());

        var id = await Seed.PetitionAsync(services, goal: 50, milestones: [3], title: "Stop <S-Comm> & ICE holds");
        await Seed.SignAsync(services, id, 3, state: "TX", comment: "<script>alert('x')</script> We're with you & more");
        var notifier = services.GetRequiredService<MilestoneNotifier>();
        await notifier.RunAsync(CancellationToken.None);
        await notifier.RunAsync(CancellationToken.None);

        // Other tests' petitions share the storage; only this petition's organizer matters here.
        var emails = (await maildev.EmailsAsync())
            .Where(e => e.GetProperty("to").EnumerateArray().Any(t => t.GetProperty("address").GetString() == Seed.OrganizerOf(id)))
            .ToList();
        var email = Assert.Single(emails);
        Assert.Equal("desk@petitions.example.org", email.GetProperty("from")[0].GetProperty("address").GetString());
        Assert.Equal("“Stop <S-Comm> & ICE holds” passed 3 supporters", email.GetProperty("subject").GetString());
        var text = email.GetProperty("text").GetString()!;
        var html = email.GetProperty("html").GetString()!;

        Assert.Contains("Supporters now: 3", text, StringComparison.Ordinal);
        Assert.Contains("<script>alert('x')</script> We're with you & more", text, StringComparison.Ordinal);
        Assert.Contains($"https://petitions.example.org/petitions/{id}", text, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; We&#39;re with you &amp; more", html, StringComparison.Ordinal);
        Assert.Contains("Stop &lt;S-Comm&gt; &amp; ICE holds", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("signers.example.net", text + html, StringComparison.Ordinal);
        Assert.Equal($"milestone:{id}:3", Header(email, EmailSender.KeyHeader));
    }

    [Fact]
    public async Task Wrong_smtp_credentials_fail_the_send_without_claiming_it_was_delivered()
    {
        var maildev = Maildev;
        await using var services = await azurite.BuildServicesAsync(new Dictionary<string, string?>
        {
            ["Email:Transport"] = "smtp",
            ["Email:Smtp:Host"] = "127.0.0.1",
            ["Email:Smtp:Port"] = maildev.SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Email:Smtp:UseStartTls"] = "false",
            ["Email:Smtp:Username"] = MailDevServer.Username,
            ["Email:Smtp:Password"] = "not-the-password",
        });
        var error = await Assert.ThrowsAsync<EmailSendException>(() => services.GetRequiredService<EmailSender>().SendAsync(
            new OutgoingEmail(["wrong-password@example.org"], "Subject", "Text", "<p>Html</p>"), "test:wrong-password", CancellationToken.None));
        Assert.True(error.NothingSent);
        Assert.DoesNotContain(await maildev.EmailsAsync(), e => e.GetProperty("subject").GetString() == "Subject");
    }

    private static string? Header(JsonElement email, string name) =>
        email.GetProperty("headers").EnumerateObject().FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value is { ValueKind: JsonValueKind.String } value
            ? value.GetString()
            : null;
}
