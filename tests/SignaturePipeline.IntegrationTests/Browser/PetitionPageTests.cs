using System.Text.Json;
using Microsoft.Playwright;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Petitions;
using SignaturePipeline.Web.Http;
using static Microsoft.Playwright.Assertions;
using static SignaturePipeline.IntegrationTests.Infrastructure.PipelineClient;

namespace SignaturePipeline.IntegrationTests.Browser;

/// <summary>The server-rendered petition page, in Chromium with JavaScript switched off.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class PetitionPageTests(AzuriteFixture azurite, BrowserSite site) : IClassFixture<BrowserSite>, IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => site.CloseContextsAsync();

    [Fact]
    public async Task Without_JavaScript_a_signer_reads_the_letter_signs_and_sees_their_supporter_number()
    {
        var (host, petition) = await PetitionAsync();
        using var client = host.CreateClient();
        foreach (var i in Enumerable.Range(0, 3))
            await WaitForFinalAsync(client, await SignAsync(client, petition, Signer($"early{i}@example.org")));

        var page = await site.NewPageAsync(javaScript: false);
        await page.GotoAsync(new Uri(host.Address, $"/petitions/{petition}").ToString());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Stop S-Comm in New York!", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByText("Petition to Gov. Andrew Cuomo")).ToBeVisibleAsync();
        await Expect(page.Locator(".count")).ToHaveTextAsync("3 of 100 signatures");
        await Expect(page.Locator(".letter")).ToContainTextAsync("We, the undersigned, ask you to end New York's S-Comm agreement now.");
        await BrowserSite.ScreenshotAsync(page, "page");

        await page.GetByLabel("First name").FillAsync("Rosa");
        await page.GetByLabel("Last name").FillAsync("Martínez");
        await page.GetByLabel("Email", new() { Exact = true }).FillAsync("rosa.martinez@example.org");
        await page.GetByLabel("ZIP code").FillAsync("11201");
        await page.GetByLabel("State").SelectOptionAsync("NY");
        await page.GetByLabel("Email me updates about this campaign").CheckAsync();
        await page.GetByLabel("Count my signature, but don't send my name to the target").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign the petition" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/petitions/{petition}/thanks\\?receipt="));
        // Without scripts the page refreshes itself while the signature is pending.
        await Expect(page.GetByText("You are supporter #4")).ToBeVisibleAsync();
        await Expect(page.GetByText("As you asked, your signature counts, but your name, city and comment will not be sent to the target.")).ToBeVisibleAsync();
        await BrowserSite.ScreenshotAsync(page, "page-thanks");
        Assert.Equal(4, (await GetPetitionAsync(client, petition)).GetProperty("signatureCount").GetInt64());
    }

    [Fact]
    public async Task Without_JavaScript_errors_come_back_next_to_their_fields_with_the_values_refilled()
    {
        var (host, petition) = await PetitionAsync();
        var page = await site.NewPageAsync(javaScript: false);
        await page.GotoAsync(new Uri(host.Address, $"/petitions/{petition}").ToString());
        await page.GetByLabel("First name").FillAsync("Rosa");
        await page.GetByLabel("Last name").FillAsync("=HYPERLINK(\"x\")");
        await page.GetByLabel("Email", new() { Exact = true }).FillAsync("rosa@example.org");
        await page.GetByLabel("ZIP code").FillAsync("90210");
        await page.GetByLabel("State").SelectOptionAsync("NY");
        await page.GetByLabel("Comment").FillAsync("Keep <families> & \"neighbors\" together.");
        await page.GetByLabel("Email me updates about this campaign").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign the petition" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "2 fields need another look" })).ToBeVisibleAsync();
        var zip = page.GetByLabel("ZIP code");
        await Expect(zip).ToHaveValueAsync("90210");
        await Expect(zip).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(zip).ToHaveAccessibleDescriptionAsync("ZIP code 90210 is not in New York. Check the ZIP code and the state.");
        await Expect(page.GetByLabel("Last name")).ToHaveAccessibleDescriptionAsync(new System.Text.RegularExpressions.Regex("cannot start with ="));
        // The first field with an error, in form order, takes the focus.
        await Expect(page.GetByLabel("Last name")).ToBeFocusedAsync();
        await Expect(page.GetByLabel("First name")).ToHaveValueAsync("Rosa");
        await Expect(page.GetByLabel("Last name")).ToHaveValueAsync("=HYPERLINK(\"x\")");
        await Expect(page.GetByLabel("Email", new() { Exact = true })).ToHaveValueAsync("rosa@example.org");
        await Expect(page.GetByLabel("State")).ToHaveValueAsync("NY");
        await Expect(page.GetByLabel("Comment")).ToHaveValueAsync("Keep <families> & \"neighbors\" together.");
        await Expect(page.GetByLabel("Email me updates about this campaign")).ToBeCheckedAsync();
        await BrowserSite.ScreenshotAsync(page, "page-errors");

        await zip.FillAsync("10027");
        await page.GetByLabel("Last name").FillAsync("Martínez");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign the petition" }).ClickAsync();
        await Expect(page.GetByText("You are supporter #1")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Without_JavaScript_a_Spanish_signer_sees_errors_and_thanks_in_Spanish()
    {
        var (host, petition) = await PetitionAsync();
        var page = await site.NewPageAsync(javaScript: false);
        await page.GotoAsync(new Uri(host.Address, $"/petitions/{petition}?lang=es").ToString());
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "es");
        await Expect(page.GetByText("Petición dirigida a Gov. Andrew Cuomo")).ToBeVisibleAsync();
        await Expect(page.Locator(".count")).ToHaveTextAsync("0 de 100 firmas");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "La carta" })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Estado")).ToHaveValueAsync("");
        await Expect(page.GetByLabel("Estado").Locator("option").First).ToHaveTextAsync("Elige…");
        await BrowserSite.ScreenshotAsync(page, "page-es");

        await page.GetByLabel("Nombre", new() { Exact = true }).FillAsync("Rosa");
        await page.GetByLabel("Apellido").FillAsync("Martínez");
        // Exact: the opt-in's "…por correo" would match too.
        var email = page.GetByLabel("Correo electrónico", new() { Exact = true });
        // The browser's own check lets a domain without a dot through; the server's check does not.
        await email.FillAsync("rosa.martinez@example");
        await page.GetByLabel("Código postal").FillAsync("11201");
        await page.GetByLabel("Estado").SelectOptionAsync("NY");
        await page.GetByLabel("Quiero recibir novedades de esta campaña por correo").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Firmar la petición" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Un campo necesita revisión" })).ToBeVisibleAsync();
        await Expect(email).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(email).ToHaveAccessibleDescriptionAsync("Escribe un correo válido, como nombre@ejemplo.com.");
        await Expect(email).ToBeFocusedAsync();
        await Expect(email).ToHaveValueAsync("rosa.martinez@example");
        await Expect(page.GetByLabel("Nombre", new() { Exact = true })).ToHaveValueAsync("Rosa");
        await Expect(page.GetByLabel("Apellido")).ToHaveValueAsync("Martínez");
        await Expect(page.GetByLabel("Estado")).ToHaveValueAsync("NY");
        await Expect(page.GetByLabel("Quiero recibir novedades de esta campaña por correo")).ToBeCheckedAsync();
        await BrowserSite.ScreenshotAsync(page, "page-es-errors");

        await email.FillAsync("rosa.martinez@example.org");
        await page.GetByRole(AriaRole.Button, new() { Name = "Firmar la petición" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/petitions/{petition}/thanks\\?receipt=[^&]+&(check=\\d+&)?lang=es"));
        await Expect(page.GetByText("Eres la persona firmante n.º 1 de «Stop S-Comm in New York!")).ToBeVisibleAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "es");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Volver a la petición" })).ToHaveAttributeAsync("href", $"/petitions/{petition}?lang=es");
        await BrowserSite.ScreenshotAsync(page, "page-es-thanks");
    }

    [Fact]
    public async Task The_petition_page_fits_a_phone()
    {
        var (host, petition) = await PetitionAsync();
        var page = await site.NewPageAsync(javaScript: false, width: 390, height: 844);
        await page.GotoAsync(new Uri(host.Address, $"/petitions/{petition}").ToString());
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign the petition" })).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 390"), "the page scrolls sideways on a phone");
        await BrowserSite.ScreenshotAsync(page, "page-mobile");
    }

    private async Task<(RunningHost Host, string Petition)> PetitionAsync()
    {
        var host = await site.HostAsync(azurite);
        var file = Path.Combine(AzuriteFixture.RepositoryRoot, "functions", "SignaturePipeline.LocalHost", "DemoPetitions", "stop-s-comm-new-york.json");
        var definition = JsonSerializer.Deserialize<PetitionDefinition>(File.ReadAllText(file), Json.Options)!;
        return (host, await CreatePetitionAsync(host, definition));
    }
}
