using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Petitions;
using SignaturePipeline.Web.Http;
using static Microsoft.Playwright.Assertions;
using static SignaturePipeline.IntegrationTests.Infrastructure.PipelineClient;

namespace SignaturePipeline.IntegrationTests.Browser;

/// <summary>The embeddable form, on a campaign site of another origin, in a real Chromium against the real host and Azurite.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class WidgetTests(AzuriteFixture azurite, BrowserSite site) : IClassFixture<BrowserSite>, IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => site.CloseContextsAsync();

    [Fact]
    public async Task A_signer_on_a_campaign_site_sees_their_supporter_number_and_the_count_goes_up()
    {
        var (host, petition) = await PetitionAsync();
        var page = await site.NewPageAsync();
        var posts = 0;
        page.Request += (_, request) => { if (request.Method == "POST") Interlocked.Increment(ref posts); };
        await page.GotoAsync(site.Publish(BrowserSite.CampaignPage(host.Address, petition)).ToString());
        var widget = Widget(page);

        await Expect(widget.GetByRole(AriaRole.Heading, new() { Name = "Stop S-Comm in New York!" })).ToBeVisibleAsync();
        await Expect(widget.GetByText("To: Gov. Andrew Cuomo")).ToBeVisibleAsync();
        await Expect(widget.Locator(".count")).ToHaveTextAsync("0 of 100 signatures");
        // The form stands where the tag stands: after the header, before the footer.
        Assert.True(await page.EvaluateAsync<bool>("() => { const w = document.querySelector('[data-signaturepipeline]'); return w.previousElementSibling.tagName === 'HEADER' && w.nextElementSibling.tagName === 'SCRIPT'; }"));

        await FillAsync(widget, "ana.garcia@example.org", comment: "My neighbors deserve to feel safe calling the police.");
        await widget.GetByLabel("Count my signature, but don\u2019t send my name to the target").CheckAsync();
        await BrowserSite.ScreenshotAsync(widget, "widget");
        // Two submits in the same tick: the second must not post again.
        await page.EvaluateAsync("() => { const f = document.querySelector('[data-signaturepipeline]').shadowRoot.querySelector('form'); f.requestSubmit(); f.requestSubmit(); }");

        await Expect(widget.GetByRole(AriaRole.Heading, new() { Name = "Thank you, you are supporter #1" })).ToBeVisibleAsync();
        await Expect(widget.GetByText("As you asked, your name, city and comment will not be sent to the target.")).ToBeVisibleAsync();
        await Expect(widget.Locator(".done")).ToBeFocusedAsync();
        await Expect(widget.Locator(".count")).ToHaveTextAsync("1 of 100 signatures");
        await BrowserSite.ScreenshotAsync(widget, "widget-thanks");
        Assert.Equal(1, posts);
        using var client = host.CreateClient();
        Assert.Equal(1, (await GetPetitionAsync(client, petition)).GetProperty("signatureCount").GetInt64());
    }

    [Fact]
    public async Task Signing_again_with_gmail_dots_says_already_signed_and_the_count_stays()
    {
        var (host, petition) = await PetitionAsync();
        using var client = host.CreateClient();
        await WaitForFinalAsync(client, await SignAsync(client, petition, Signer("jane.doe@gmail.com")));

        var page = await site.NewPageAsync();
        await page.GotoAsync(site.Publish(BrowserSite.CampaignPage(host.Address, petition)).ToString());
        var widget = Widget(page);
        await Expect(widget.Locator(".count")).ToHaveTextAsync("1 of 100 signatures");
        await FillAsync(widget, "JaneDoe@gmail.com");
        await widget.GetByRole(AriaRole.Button, new() { Name = "Sign the petition" }).ClickAsync();

        await Expect(widget.GetByRole(AriaRole.Heading, new() { Name = "You have already signed" })).ToBeVisibleAsync();
        Assert.Equal(1, (await GetPetitionAsync(client, petition)).GetProperty("signatureCount").GetInt64());
        await Expect(widget.Locator(".count")).ToHaveTextAsync("1 of 100 signatures");
    }

    [Fact]
    public async Task A_bad_email_shows_its_error_at_the_field_and_takes_the_focus()
    {
        var (host, petition) = await PetitionAsync();
        var page = await site.NewPageAsync();
        await page.GotoAsync(site.Publish(BrowserSite.CampaignPage(host.Address, petition)).ToString());
        var widget = Widget(page);
        await FillAsync(widget, "ana.garcia@example");
        await widget.GetByRole(AriaRole.Button, new() { Name = "Sign the petition" }).ClickAsync();

        var email = widget.GetByLabel("Email", new() { Exact = true });
        await Expect(email).ToBeFocusedAsync();
        await Expect(email).ToHaveAttributeAsync("aria-invalid", "true");
        // The message is tied to the field, so a screen reader reads it with the label.
        await Expect(email).ToHaveAccessibleDescriptionAsync("Enter a valid email address, like name@example.com.");
        await Expect(widget.Locator("#err-email")).ToBeVisibleAsync();
        await Expect(widget.GetByRole(AriaRole.Alert)).ToHaveTextAsync("One field needs another look.");
        await Expect(widget.GetByRole(AriaRole.Button, new() { Name = "Sign the petition" })).ToBeEnabledAsync();
        await BrowserSite.ScreenshotAsync(widget, "widget-errors");
    }

    [Fact]
    public async Task A_host_page_with_hostile_CSS_does_not_break_the_widget()
    {
        var (host, petition) = await PetitionAsync();
        var page = await site.NewPageAsync();
        const string hostile = "* { display: block; color: red } div { font-size: 40px !important; padding: 30px; border: 5px dashed red }"
            + " input, select, button, label { display: none !important } h2 { text-transform: uppercase }";
        await page.GotoAsync(site.Publish(BrowserSite.CampaignPage(host.Address, petition, css: hostile)).ToString());
        var widget = Widget(page);

        var firstName = widget.GetByLabel("First name");
        await Expect(firstName).ToBeVisibleAsync();
        await Expect(widget.GetByRole(AriaRole.Heading, new() { Name = "Stop S-Comm in New York!" })).ToHaveCSSAsync("color", "rgb(27, 27, 27)");
        await Expect(widget.GetByRole(AriaRole.Heading, new() { Name = "Stop S-Comm in New York!" })).ToHaveCSSAsync("text-transform", "none");
        await Expect(widget.Locator("label[for=f-email]")).ToHaveCSSAsync("font-size", "16px");
        await Expect(widget.GetByRole(AriaRole.Button, new() { Name = "Sign the petition" })).ToBeVisibleAsync();
        // The honeypot stays out of sight, and the page's "display: block" does not reveal hidden parts.
        var honeypot = await widget.Locator("#f-website").BoundingBoxAsync();
        Assert.True(honeypot is null || honeypot.X + honeypot.Width < 0, "the honeypot is on screen");
        await Expect(widget.Locator(".done")).ToBeHiddenAsync();
        await Expect(widget.Locator("#err-email")).ToBeHiddenAsync();
        await BrowserSite.ScreenshotAsync(page, "widget-hostile-css");

        await FillAsync(widget, "hostile.css@example.org");
        await widget.GetByRole(AriaRole.Button, new() { Name = "Sign the petition" }).ClickAsync();
        await Expect(widget.GetByRole(AriaRole.Heading, new() { Name = "Thank you, you are supporter #1" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_keyboard_only_signer_can_sign_and_the_result_takes_the_focus()
    {
        var (host, petition) = await PetitionAsync();
        var page = await site.NewPageAsync();
        await page.GotoAsync(site.Publish(BrowserSite.CampaignPage(host.Address, petition)).ToString());
        var widget = Widget(page);
        await Expect(widget.Locator(".count")).ToHaveTextAsync("0 of 100 signatures");

        var firstName = widget.GetByLabel("First name");
        for (var i = 0; i < 4 && !await firstName.EvaluateAsync<bool>("e => e.matches(':focus')"); i++)
            await page.Keyboard.PressAsync("Tab");
        await Expect(firstName).ToBeFocusedAsync();
        foreach (var text in new[] { "Kim", "Lee", "kim.lee@example.org", "10027" })
        {
            await page.Keyboard.TypeAsync(text);
            await page.Keyboard.PressAsync("Tab");
        }
        await page.Keyboard.TypeAsync("New York");
        await Expect(widget.GetByLabel("State")).ToHaveValueAsync("NY");
        await page.Keyboard.PressAsync("Tab"); // city
        await page.Keyboard.PressAsync("Tab"); // comment
        await page.Keyboard.PressAsync("Tab"); // opt-in: the honeypot is skipped
        await Expect(widget.GetByLabel("Email me updates about this campaign")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Space");
        await page.Keyboard.PressAsync("Tab");
        await Expect(widget.GetByLabel("Count my signature, but don\u2019t send my name to the target")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Tab");
        await Expect(widget.GetByRole(AriaRole.Button, new() { Name = "Sign the petition" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");

        await Expect(widget.GetByRole(AriaRole.Heading, new() { Name = "Thank you, you are supporter #1" })).ToBeVisibleAsync();
        await Expect(widget.Locator(".done")).ToBeFocusedAsync();
    }

    [Fact]
    public async Task A_dropped_connection_is_retried_once_and_the_signature_is_counted_once()
    {
        var (host, petition) = await PetitionAsync();
        var page = await site.NewPageAsync();
        var posts = 0;
        await page.RouteAsync("**/signatures", async route =>
        {
            if (route.Request.Method == "POST" && Interlocked.Increment(ref posts) == 1) await route.AbortAsync("connectionreset");
            else await route.ContinueAsync();
        });
        await page.GotoAsync(site.Publish(BrowserSite.CampaignPage(host.Address, petition)).ToString());
        var widget = Widget(page);
        await FillAsync(widget, "flaky.wifi@example.org");
        await widget.GetByRole(AriaRole.Button, new() { Name = "Sign the petition" }).ClickAsync();

        await Expect(widget.GetByRole(AriaRole.Heading, new() { Name = "Thank you, you are supporter #1" })).ToBeVisibleAsync();
        Assert.Equal(2, posts);
    }

    [Fact]
    public async Task When_the_network_stays_down_the_signer_gets_a_clear_message_after_one_retry()
    {
        var (host, petition) = await PetitionAsync();
        var page = await site.NewPageAsync();
        var posts = 0;
        await page.RouteAsync("**/signatures", async route =>
        {
            if (route.Request.Method == "POST") Interlocked.Increment(ref posts);
            await route.AbortAsync("internetdisconnected");
        });
        await page.GotoAsync(site.Publish(BrowserSite.CampaignPage(host.Address, petition)).ToString());
        var widget = Widget(page);
        await FillAsync(widget, "offline@example.org");
        var button = widget.GetByRole(AriaRole.Button, new() { Name = "Sign the petition" });
        await button.ClickAsync();

        await Expect(widget.GetByRole(AriaRole.Alert)).ToContainTextAsync("We could not reach the petition.");
        await Expect(button).ToBeEnabledAsync();
        Assert.Equal(2, posts);
    }

    [Fact]
    public async Task A_Spanish_page_gets_the_form_and_its_errors_in_Spanish()
    {
        var (host, petition) = await PetitionAsync();
        var page = await site.NewPageAsync();
        var bodies = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.Request += (_, request) => { if (request.Method == "POST" && request.PostData is { } body) bodies.Enqueue(body); };
        await page.GotoAsync(site.Publish(BrowserSite.CampaignPage(host.Address, petition, extraAttributes: "data-lang=\"es\"")).ToString());
        var widget = Widget(page);

        await Expect(widget.Locator(".count")).ToHaveTextAsync("0 de 100 firmas");
        await Expect(widget.GetByText("Para: Gov. Andrew Cuomo")).ToBeVisibleAsync();
        await FillAsync(widget, "sin-arroba", firstName: "Nombre", lastName: "Apellido", email: "Correo electrónico", zip: "Código postal (ZIP)", state: "Estado");
        await widget.GetByRole(AriaRole.Button, new() { Name = "Firmar la petición" }).ClickAsync();
        await Expect(widget.Locator("#err-email")).ToHaveTextAsync("Escribe un correo válido, como nombre@ejemplo.com.");
        await Expect(widget.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Un campo necesita revisión.");
        // The widget's language travels with the signature, for the emails that follow.
        Assert.Contains(bodies, b => JsonDocument.Parse(b).RootElement.GetProperty("lang").GetString() == "es");
        await BrowserSite.ScreenshotAsync(widget, "widget-es");

        // Without data-lang, the page's own language decides.
        var spanishPage = await site.NewPageAsync();
        await spanishPage.GotoAsync(site.Publish(BrowserSite.CampaignPage(host.Address, petition, lang: "es-US")).ToString());
        await Expect(Widget(spanishPage).GetByRole(AriaRole.Button, new() { Name = "Firmar la petición" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_petition_title_with_markup_is_shown_as_text()
    {
        var host = await site.HostAsync(azurite);
        var petition = await CreatePetitionAsync(host, Demo() with { Title = "Fund \"clinics\" & <b>schools</b> <img src=x onerror=alert(1)>" });
        var page = await site.NewPageAsync();
        var dialogs = 0;
        page.Dialog += (_, _) => dialogs++;
        await page.GotoAsync(site.Publish(BrowserSite.CampaignPage(host.Address, petition)).ToString());
        await Expect(Widget(page).Locator("h2")).ToHaveTextAsync("Fund \"clinics\" & <b>schools</b> <img src=x onerror=alert(1)>");
        Assert.Equal(0, await Widget(page).Locator("h2 b, h2 img").CountAsync());

        await page.GotoAsync(new Uri(host.Address, $"/petitions/{petition}").ToString());
        await Expect(page.Locator("h1")).ToHaveTextAsync("Fund \"clinics\" & <b>schools</b> <img src=x onerror=alert(1)>");
        Assert.Equal(0, await page.Locator("h1 b, img").CountAsync());
        Assert.Equal(0, dialogs);
    }

    [Fact]
    public async Task The_script_is_small_cacheable_JavaScript()
    {
        var host = await site.HostAsync(azurite);
        using var client = host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/embed.js");
        request.Headers.AcceptEncoding.ParseAdd("gzip");
        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal("gzip", Assert.Single(response.Content.Headers.ContentEncoding));
        Assert.True(response.Headers.CacheControl!.Public);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length < 10 * 1024, "the widget grew past 10 KiB gzipped");
        var etag = response.Headers.ETag!;

        using var again = new HttpRequestMessage(HttpMethod.Get, "/api/embed.js");
        again.Headers.AcceptEncoding.ParseAdd("gzip");
        again.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(again)).StatusCode);
    }

    private static ILocator Widget(IPage page) => page.Locator("[data-signaturepipeline]");

    private static async Task FillAsync(ILocator widget, string emailAddress, string? comment = null,
        string firstName = "First name", string lastName = "Last name", string email = "Email", string zip = "ZIP code", string state = "State")
    {
        await widget.GetByLabel(firstName, new() { Exact = true }).FillAsync("Ana");
        await widget.GetByLabel(lastName, new() { Exact = true }).FillAsync("García");
        await widget.GetByLabel(email, new() { Exact = true }).FillAsync(emailAddress);
        await widget.GetByLabel(zip, new() { Exact = true }).FillAsync("10027");
        await widget.GetByLabel(state, new() { Exact = true }).SelectOptionAsync("NY");
        if (comment is not null) await widget.Locator("#f-comment").FillAsync(comment);
    }

    [Fact]
    public async Task A_won_petition_shows_the_targets_response_and_its_updates_in_the_widget()
    {
        var (host, petition) = await PetitionAsync();
        using var admin = host.CreateClient(AzuriteFixture.AdminKey);
        var response = await admin.PostAsJsonAsync($"/api/admin/petitions/{petition}/updates", new
        {
            kind = "response", responder = "Gov. Andrew Cuomo", respondedAt = "2011-06-01T12:00:00Z",
            subject = "The Governor answered", body = "New York suspends its participation.", bodyEs = "Nueva York suspende su participación.", subjectEs = "El Gobernador respondió",
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync($"/api/admin/petitions/{petition}/updates", new { kind = "victory", subject = "We won", body = "Thank you." })).StatusCode);

        var page = await site.NewPageAsync();
        await page.GotoAsync(site.Publish(BrowserSite.CampaignPage(host.Address, petition, extraAttributes: "data-lang=\"es\"")).ToString());
        var widget = Widget(page);
        await Expect(widget.GetByText("Gov. Andrew Cuomo respondió el")).ToBeVisibleAsync();
        await Expect(widget.GetByText("Nueva York suspende su participación.")).ToBeVisibleAsync();
        await Expect(widget.GetByText("El Gobernador respondió", new() { Exact = false }).Last).ToBeVisibleAsync();
        await Expect(widget.GetByText("Esta petición ganó.", new() { Exact = false })).ToBeVisibleAsync();
        await BrowserSite.ScreenshotAsync(widget, "widget-won-es");
    }

    private async Task<(RunningHost Host, string Petition)> PetitionAsync()
    {
        var host = await site.HostAsync(azurite);
        return (host, await CreatePetitionAsync(host, Demo()));
    }

    /// <summary>The demo petition's words, open to the campaign site's origin only.</summary>
    private PetitionDefinition Demo()
    {
        var file = Path.Combine(AzuriteFixture.RepositoryRoot, "functions", "SignaturePipeline.LocalHost", "DemoPetitions", "stop-s-comm-new-york.json");
        var definition = JsonSerializer.Deserialize<PetitionDefinition>(File.ReadAllText(file), Json.Options)!;
        return definition with { AllowedOrigins = [site.CampaignSite.GetLeftPart(UriPartial.Authority)] };
    }
}
