using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MimeKit;
using SignaturePipeline.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;
using static SignaturePipeline.IntegrationTests.Infrastructure.PipelineClient;

namespace SignaturePipeline.IntegrationTests.Browser;

/// <summary>
/// The organizers' console in Chromium: sign in by the link the pickup transport wrote to disk, see the petition with its
/// count, chart and map, release a held signature, download a delivery, edit the petition, sign out; and axe-core (from
/// node_modules) finds no serious or critical accessibility violation on the main pages.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed partial class ConsoleBrowserTests(AzuriteFixture azurite, BrowserSite site) : IClassFixture<BrowserSite>, IAsyncLifetime
{
    private readonly string _mail = Path.Combine(Path.GetTempPath(), "console-mail-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly ShiftableClock _clock = new();
    private RunningHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await azurite.StartHostAsync(new Dictionary<string, string?>
        {
            ["Email:Transport"] = "pickup",
            ["Email:PickupDirectory"] = _mail,
        }, s => s.AddSingleton<TimeProvider>(_clock));

    public async Task DisposeAsync()
    {
        await site.CloseContextsAsync();
        await _host.DisposeAsync();
        if (Directory.Exists(_mail)) Directory.Delete(_mail, recursive: true);
    }

    /// <summary>The sign-in link in the newest .eml the pickup transport wrote for <paramref name="address"/>.</summary>
    private async Task<string> LinkFromMailAsync(string address)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (Directory.Exists(_mail))
                foreach (var file in Directory.EnumerateFiles(_mail, "*.eml").OrderByDescending(File.GetLastWriteTimeUtc))
                {
                    var message = await MimeMessage.LoadAsync(file);
                    if (message.To.Mailboxes.Any(m => m.Address == address) && LinkIn().Match(message.TextBody ?? "") is { Success: true } link)
                        return link.Value;
                }
            await Task.Delay(100);
        }
        throw new TimeoutException($"No sign-in email for {address} in {_mail}.");
    }

    private async Task<IPage> NewPageAsync(int width = 1200)
    {
        // axe-core is injected by the test as a script of its own, which the console's CSP (scripts from the app only) would refuse.
        var context = await site.Browser.NewContextAsync(new() { BypassCSP = true, AcceptDownloads = true, ViewportSize = new() { Width = width, Height = 900 }, Locale = "en-US", TimezoneId = "America/New_York" });
        return await context.NewPageAsync();
    }

    private static async Task AssertAccessibleAsync(IPage page, string name)
    {
        await page.AddScriptTagAsync(new() { Path = Path.Combine(AzuriteFixture.RepositoryRoot, "node_modules", "axe-core", "axe.min.js") });
        var result = await page.EvaluateAsync<JsonElement>("async () => (await axe.run(document, { resultTypes: ['violations'] })).violations.map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }))");
        var serious = result.EnumerateArray().Where(v => v.GetProperty("impact").GetString() is "serious" or "critical").Select(v => v.ToString()).ToList();
        Assert.True(serious.Count == 0, $"{name}: {string.Join("\n", serious)}");
    }

    [Fact]
    public async Task An_organizer_signs_in_by_the_emailed_link_sees_the_campaign_acts_on_it_and_signs_out()
    {
        var organizer = $"organizer.{Guid.NewGuid():N}"[..18] + "@nywgad.example.org";
        var petition = await CreatePetitionAsync(_host, AzuriteFixture.Definition("Stop S-Comm in New York!") with { Organizers = [organizer], Goal = 10 });
        using var client = _host.CreateClient();
        foreach (var (email, zip) in new[] { ("ana@example.org", "10027"), ("ben@example.org", "11201"), ("carla@example.org", "12207") })
            await WaitForFinalAsync(client, await SignAsync(client, petition, Signer(email, zip: zip)));
        await WaitForFinalAsync(client, await SignAsync(client, petition,
            new { firstName = "Held", lastName = "Back", email = "held@example.org", postalCode = "10001", state = "NY", website = "http://spam.example" }));
        // A delivery covers signatures counted more than two minutes ago.
        _clock.Offset = TimeSpan.FromSeconds(121);
        using (var admin = _host.CreateClient(AzuriteFixture.AdminKey))
            Assert.True((await admin.PostAsync($"/api/admin/petitions/{petition}/deliveries", null)).IsSuccessStatusCode);

        var page = await NewPageAsync();
        await page.GotoAsync(new Uri(_host.Address, "/console").ToString());
        await AssertAccessibleAsync(page, "sign-in");
        await BrowserSite.ScreenshotAsync(page, "console-sign-in");
        await page.GetByLabel("Your email address").FillAsync(organizer);
        await page.GetByRole(AriaRole.Button, new() { Name = "Email me a sign-in link" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Check your email" })).ToBeVisibleAsync();

        await page.GotoAsync(await LinkFromMailAsync(organizer));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your petitions" })).ToBeVisibleAsync();
        await AssertAccessibleAsync(page, "list");
        await BrowserSite.ScreenshotAsync(page, "console-list");

        await page.GetByRole(AriaRole.Link, new() { Name = "Stop S-Comm in New York!" }).ClickAsync();
        await Expect(page.GetByTestId("count")).ToHaveTextAsync("3");
        await Expect(page.GetByRole(AriaRole.Img, new() { Name = "Signatures per hour, last 7 days" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Img, new() { Name = "Map of the United States, states shaded by signatures" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Signatures by state" })).ToContainTextAsync("NY");
        await AssertAccessibleAsync(page, "petition");
        await BrowserSite.ScreenshotAsync(page, "console-petition");

        // Release the held signature: the count goes up.
        await page.GetByRole(AriaRole.Checkbox).First.CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Release selected" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Released 1" })).ToBeVisibleAsync();
        Assert.Equal(4, (await GetPetitionAsync(client, petition)).GetProperty("signatureCount").GetInt64());

        // Download the week's delivery PDF through the console.
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "delivery.pdf" }).First.ClickAsync());
        var pdf = await File.ReadAllBytesAsync((await download.PathAsync())!);
        Assert.StartsWith("%PDF", System.Text.Encoding.ASCII.GetString(pdf, 0, 4), StringComparison.Ordinal);

        // On a phone's width.
        var phone = await page.Context.NewPageAsync();
        await phone.SetViewportSizeAsync(390, 844);
        await phone.GotoAsync(page.Url);
        await Expect(phone.GetByTestId("count")).ToHaveTextAsync("4");
        await BrowserSite.ScreenshotAsync(phone, "console-petition-phone");
        await phone.CloseAsync();

        // Edit the petition.
        await page.GetByRole(AriaRole.Link, new() { Name = "Edit the petition" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Edit the petition" })).ToBeVisibleAsync();
        await AssertAccessibleAsync(page, "edit");
        await page.GetByLabel("Title").FillAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.Locator(".err").First).ToBeVisibleAsync();
        await BrowserSite.ScreenshotAsync(page, "console-edit-errors");
        await page.GetByLabel("Title").FillAsync("End S-Comm in New York");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "End S-Comm in New York", Level = 1 })).ToBeVisibleAsync();
        Assert.Equal("End S-Comm in New York", (await GetPetitionAsync(client, petition)).GetProperty("title").GetString());

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByLabel("Your email address")).ToBeVisibleAsync();
        Assert.Equal(401, (await page.APIRequest.GetAsync(new Uri(_host.Address, "/api/console/petitions").ToString())).Status);
    }

    [Fact]
    public async Task The_landing_page_lists_open_petitions_with_links_to_them_and_to_the_console()
    {
        var petition = await CreatePetitionAsync(_host, AzuriteFixture.Definition("Landing page petition"));
        var page = await NewPageAsync();
        await page.GotoAsync(_host.Address.ToString());
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Landing page petition" })).ToHaveAttributeAsync("href", $"/petitions/{petition}");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Organizers' console" })).ToBeVisibleAsync();
        await AssertAccessibleAsync(page, "landing");
        var missing = await page.GotoAsync(new Uri(_host.Address, "/no/such/page").ToString());
        Assert.Equal(404, missing!.Status);
    }

    [GeneratedRegex(@"http://\S+/console/signin\?token=\S+")]
    private static partial Regex LinkIn();
}
