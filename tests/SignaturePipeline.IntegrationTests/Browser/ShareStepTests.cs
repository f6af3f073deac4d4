using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Petitions;
using SignaturePipeline.Web.Http;
using static Microsoft.Playwright.Assertions;
using static SignaturePipeline.IntegrationTests.Infrastructure.PipelineClient;

namespace SignaturePipeline.IntegrationTests.Browser;

/// <summary>The widget on a campaign page reached through a shared link: it sends where the signer came from, then offers sharing.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class ShareStepTests(AzuriteFixture azurite, BrowserSite site) : IClassFixture<BrowserSite>, IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => site.CloseContextsAsync();

    [Fact]
    public async Task The_widget_sends_its_pages_source_and_referral_code_and_then_offers_links_that_count_for_the_new_signer()
    {
        var host = await site.HostAsync(azurite);
        var petition = await CreatePetitionAsync(host, AzuriteFixture.Definition(title: "Stop S-Comm in New York!") with { AllowedOrigins = [site.CampaignSite.GetLeftPart(UriPartial.Authority)] });
        using var client = host.CreateClient();
        var sharer = await (await client.PostAsJsonAsync($"/api/petitions/{petition}/signatures", Signer("sharer@example.org"))).Content.ReadFromJsonAsync<JsonElement>();
        var sharerCode = sharer.GetProperty("referralCode").GetString()!;

        var page = await site.NewPageAsync();
        var bodies = new List<string>();
        page.Request += (_, request) => { if (request.Method == "POST" && request.PostData is { } body) bodies.Add(body); };
        var campaign = site.Publish(BrowserSite.CampaignPage(host.Address, petition));
        await page.GotoAsync($"{campaign}?source=NDLON-Email&utm_campaign=week+1&ref={sharerCode}&utm_medium=%3Cscript%3E");
        var widget = page.Locator("[data-signaturepipeline]");
        await widget.GetByLabel("First name", new() { Exact = true }).FillAsync("Ana");
        await widget.GetByLabel("Last name", new() { Exact = true }).FillAsync("García");
        await widget.GetByLabel("Email", new() { Exact = true }).FillAsync("friend.of.sharer@example.org");
        await widget.GetByLabel("ZIP code", new() { Exact = true }).FillAsync("10027");
        await widget.GetByLabel("State", new() { Exact = true }).SelectOptionAsync("NY");
        await widget.GetByRole(AriaRole.Button, new() { Name = "Sign the petition" }).ClickAsync();

        await Expect(widget.GetByRole(AriaRole.Heading, new() { Name = "Ask your friends to sign" })).ToBeVisibleAsync();
        await BrowserSite.ScreenshotAsync(widget, "widget-share");
        // Only values that pass the rules travel: the mangled medium stays behind instead of costing the signature.
        var sent = JsonDocument.Parse(Assert.Single(bodies)).RootElement;
        Assert.Equal("ndlon-email", sent.GetProperty("source").GetString());
        Assert.Equal("week-1", sent.GetProperty("utm_campaign").GetString());
        Assert.Equal(sharerCode, sent.GetProperty("referrer").GetString());
        Assert.False(sent.TryGetProperty("utm_medium", out _));

        // Each link shares the campaign page, without the sharer's own values, with the new signer's code and its channel.
        var shared = new Dictionary<string, Uri>();
        foreach (var (channel, parameter) in new[] { ("x", "url"), ("facebook", "u") })
        {
            var href = new Uri((await widget.Locator($"a[data-channel={channel}]").GetAttributeAsync("href"))!);
            shared[channel] = new Uri(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(href.Query)[parameter].ToString());
        }
        Assert.StartsWith("https://wa.me/?text=", await widget.Locator("a[data-channel=whatsapp]").GetAttributeAsync("href"), StringComparison.Ordinal);
        Assert.StartsWith("mailto:?subject=", await widget.Locator("a[data-channel=email]").GetAttributeAsync("href"), StringComparison.Ordinal);
        await Expect(widget.GetByRole(AriaRole.Button, new() { Name = "Copy link" })).ToBeVisibleAsync();
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(shared["x"].Query);
        Assert.Equal(campaign.AbsolutePath, shared["x"].AbsolutePath);
        Assert.Equal("share-x", query["source"].ToString());
        Assert.Equal("share-facebook", Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(shared["facebook"].Query)["source"].ToString());
        var newCode = query["ref"].ToString();
        Assert.NotEqual(sharerCode, newCode);
        Assert.False(query.ContainsKey("utm_campaign"));

        // A friend of the new signer comes through the X link: the widget there sends its code, and it counts for them.
        var third = await client.PostAsJsonAsync($"/api/petitions/{petition}/signatures",
            new { firstName = "Luis", lastName = "Pérez", email = "third@example.org", postalCode = "10027", state = "NY", source = query["source"].ToString(), referrer = newCode });
        await WaitForFinalAsync(client, (await third.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("receiptId").GetString()!);
        using var admin = host.CreateClient(AzuriteFixture.AdminKey);
        var sources = await admin.GetFromJsonAsync<JsonElement>($"/api/admin/petitions/{petition}/sources", Json.Options);
        Assert.Equal(1, sources.GetProperty("byReferrer").GetProperty(sharerCode).GetInt64());
        Assert.Equal(1, sources.GetProperty("byReferrer").GetProperty(newCode).GetInt64());
        Assert.Equal(1, sources.GetProperty("bySource").GetProperty("ndlon-email").GetInt64());
        Assert.Equal(1, sources.GetProperty("bySource").GetProperty("share-x").GetInt64());
    }
}
