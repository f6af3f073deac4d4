using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using SignaturePipeline.Email;
using SignaturePipeline.IntegrationTests.Abuse;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Milestones;
using static SignaturePipeline.IntegrationTests.Infrastructure.PipelineClient;

namespace SignaturePipeline.IntegrationTests.FunctionsApp;

/// <summary>
/// A deployment where nobody set Pipeline__PublicBaseUrl: the platform's WEBSITE_HOSTNAME decides where links in emails
/// point, never localhost. A confirmation link to localhost would mean that on such a deployment no signature could count.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed partial class AzureLinksTests(AzuriteFixture azurite)
{
    private const string AppHost = "func-sigs-abc123.azurewebsites.net";

    private static Dictionary<string, string?> AzureLike => new()
    {
        ["Pipeline:PublicBaseUrl"] = "",
        ["WEBSITE_HOSTNAME"] = AppHost,
    };

    private static IReadOnlyList<string> LinksIn(MimeMessage message) =>
        [.. Link().Matches((message.TextBody ?? "") + "\n" + (message.HtmlBody ?? "")).Select(m => m.Value)];

    private static void AssertEveryLinkIsTheApps(MimeMessage message)
    {
        var links = LinksIn(message);
        Assert.NotEmpty(links);
        Assert.All(links, link => Assert.StartsWith($"https://{AppHost}/", link, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_confirmation_email_links_to_the_apps_own_host_name()
    {
        await using var h = await AbuseHost.StartAsync(azurite, AzureLike);
        var petition = await h.ConfirmingPetitionAsync();
        await SignAsync(h.Client, petition, Signer("rosa.parks@example.org"));

        var (message, _) = Assert.Single(await h.WaitForMailAsync("rosa.parks@example.org"));
        AssertEveryLinkIsTheApps(message);
        Assert.Contains(LinksIn(message), l => l.Contains($"/petitions/{petition}/confirm?token=", StringComparison.Ordinal));
        Assert.Contains(LinksIn(message), l => l.Contains($"/petitions/{petition}/remove?token=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_milestone_email_links_to_the_apps_own_host_name()
    {
        var mail = new RecordingEmailTransport();
        await using var services = await azurite.BuildServicesAsync(AzureLike, s => s.AddSingleton<IEmailTransport>(mail));
        var id = await Seed.PetitionAsync(services, goal: 10, milestones: [2]);
        await Seed.SignAsync(services, id, 2);

        await services.GetRequiredService<MilestoneNotifier>().RunAsync(CancellationToken.None);

        var (message, _) = Assert.Single(mail.ForPetition(id));
        AssertEveryLinkIsTheApps(message);
        Assert.Contains($"https://{AppHost}/petitions/{id}", LinksIn(message));
    }

    [GeneratedRegex(@"https?://[^\s""'<>)\]]+")]
    private static partial Regex Link();
}
