using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using SignaturePipeline.IntegrationTests.Infrastructure;

namespace SignaturePipeline.IntegrationTests.Browser;

/// <summary>
/// What the browser tests share per class: one Chromium (the system's, never a downloaded one), one pipeline
/// host, and a campaign site on another origin that embeds the widget, as an organizer's page would.
/// </summary>
public sealed class BrowserSite : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
    ];

    private readonly ConcurrentDictionary<string, string> _pages = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly ConcurrentBag<IBrowserContext> _contexts = [];
    private IPlaywright _playwright = null!;
    private WebApplication _campaignSite = null!;
    private Task<RunningHost>? _host;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The organizer's site: same machine, another port, so another origin than the pipeline.</summary>
    public Uri CampaignSite { get; private set; } = null!;

    public static string ScreenshotFolder => Path.Combine(AzuriteFixture.RepositoryRoot, "artifacts", "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} is missing: install Debian's chromium (.ci/run does). The tests never download a browser.");
        // Chromium, the host and the queue share two cores with the other test project: a generous wait costs a passing run nothing.
        Assertions.SetDefaultExpectTimeout(30_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumPath, Headless = true, Args = ChromiumArgs });

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _campaignSite = builder.Build();
        _campaignSite.MapGet("/{**path}", (string? path) =>
            _pages.TryGetValue("/" + path, out var html) ? Results.Content(html, "text/html; charset=utf-8") : Results.NotFound());
        await _campaignSite.StartAsync();
        CampaignSite = new Uri(_campaignSite.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    /// <summary>The pipeline host, started on first use and shared by the class's tests.</summary>
    public Task<RunningHost> HostAsync(AzuriteFixture azurite)
    {
        lock (_gate) return _host ??= azurite.StartHostAsync();
    }

    /// <summary>Puts a page on the campaign site and returns its address.</summary>
    public Uri Publish(string html)
    {
        var path = "/page-" + Guid.NewGuid().ToString("N")[..12];
        _pages[path] = html;
        return new Uri(CampaignSite, path);
    }

    public static string CampaignPage(Uri api, string petitionId, string extraAttributes = "", string css = "", string lang = "en") => $$"""
        <!doctype html>
        <html lang="{{lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>New York Working Group Against Deportations</title>
        <style>body{font-family:Georgia,serif;background:#fbf7ee;margin:0;padding:24px 32px;color:#333}header h1{font-size:26px}{{css}}</style>
        </head><body>
        <header><h1>New York Working Group Against Deportations</h1><p>Add your name to our letter to the Governor.</p></header>
        <script src="{{new Uri(api, "/api/embed.js")}}" data-petition="{{petitionId}}" {{extraAttributes}} async></script>
        <footer><p>Paid for by the campaign. This text comes after the form.</p></footer>
        </body></html>
        """;

    public async Task<IPage> NewPageAsync(bool javaScript = true, int width = 1100, int height = 900)
    {
        var context = await Browser.NewContextAsync(new() { JavaScriptEnabled = javaScript, ViewportSize = new() { Width = width, Height = height }, Locale = "en-US" });
        _contexts.Add(context);
        return await context.NewPageAsync();
    }

    /// <summary>Closes the contexts a test opened; the browser itself stays up for the next test.</summary>
    public async Task CloseContextsAsync()
    {
        while (_contexts.TryTake(out var context)) await context.CloseAsync();
    }

    public static async Task ScreenshotAsync(ILocator target, string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        await target.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotFolder, name + ".png"), Animations = ScreenshotAnimations.Disabled });
    }

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true, Animations = ScreenshotAnimations.Disabled });
    }

    public async Task DisposeAsync()
    {
        if (_host is not null) await (await _host).DisposeAsync();
        await Browser.CloseAsync();
        _playwright.Dispose();
        await _campaignSite.StopAsync();
        await _campaignSite.DisposeAsync();
    }
}
