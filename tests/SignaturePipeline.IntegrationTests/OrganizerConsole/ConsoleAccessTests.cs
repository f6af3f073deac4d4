using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.IntegrationTests.Abuse;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Signatures;
using static SignaturePipeline.IntegrationTests.Infrastructure.PipelineClient;

namespace SignaturePipeline.IntegrationTests.OrganizerConsole;

[Collection(AzuriteGroup.Name)]
public sealed partial class ConsoleAccessTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private AbuseHost _h = null!;

    public async Task InitializeAsync() => _h = await AbuseHost.StartAsync(azurite, new Dictionary<string, string?> { ["Console:MaxSignInsPerIpPerHour"] = "1000" });

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static string Address(string name) => $"{name}.{Guid.NewGuid():N}"[..(name.Length + 13)] + "@coalition.example.org";

    private Task<string> PetitionOfAsync(string organizer, string title = "Console test") =>
        CreatePetitionAsync(_h.Host, AzuriteFixture.Definition(title) with { Organizers = [organizer] });

    /// <summary>Every console API the Functions app declares, read from its generated metadata, as (method, route).</summary>
    private static List<(string Method, string Route)> ConsoleApis()
    {
        var configuration = typeof(ConsoleAccessTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        var metadata = Path.Combine(AzuriteFixture.RepositoryRoot, "functions", "SignaturePipeline.Functions", "bin", configuration, "net10.0", "functions.metadata");
        using var document = JsonDocument.Parse(File.ReadAllText(metadata));
        return [.. from f in document.RootElement.EnumerateArray()
                   from b in f.GetProperty("bindings").EnumerateArray()
                   where b.GetProperty("type").GetString() == "httpTrigger" && b.GetProperty("route").GetString()!.StartsWith("api/console/", StringComparison.Ordinal)
                   from m in b.GetProperty("methods").EnumerateArray()
                   select (m.GetString()!.ToUpperInvariant(), b.GetProperty("route").GetString()!)];
    }

    private static string Fill(string route, string petitionId) =>
        Parameter().Replace(route.Replace("{petitionId}", petitionId, StringComparison.Ordinal), "x");

    [Fact]
    public async Task An_organizer_signs_in_by_the_emailed_link_and_sees_only_the_petitions_that_list_them()
    {
        var ana = Address("ana");
        var mine = await PetitionOfAsync(ana, "Ana's petition");
        var theirs = await PetitionOfAsync(Address("ben"), "Ben's petition");
        using var browser = new ConsoleBrowser(_h);
        await browser.SignInAsync(ana);

        var list = await (await browser.SendAsync(HttpMethod.Get, "/api/console/petitions")).Content.ReadFromJsonAsync<JsonElement>();
        var ids = list.EnumerateArray().Select(p => p.GetProperty("id").GetString()).ToList();
        Assert.Contains(mine, ids);
        Assert.DoesNotContain(theirs, ids);
        var item = list.EnumerateArray().Single(p => p.GetProperty("id").GetString() == mine);
        Assert.Equal("open", item.GetProperty("status").GetString());
        Assert.Equal(100, item.GetProperty("goal").GetInt32());
    }

    [Fact]
    public async Task An_organizer_of_one_petition_gets_404_from_every_console_API_for_another()
    {
        var ana = Address("ana");
        await PetitionOfAsync(ana);
        var theirs = await PetitionOfAsync(Address("ben"));
        using var browser = new ConsoleBrowser(_h);
        await browser.SignInAsync(ana);
        var apis = ConsoleApis().Where(a => a.Route.Contains("{petitionId}", StringComparison.Ordinal)).ToList();
        Assert.True(apis.Count >= 7, $"{apis.Count} console APIs per petition");
        foreach (var (method, route) in apis)
        {
            var json = method is "GET" ? null : method == "PUT" ? JsonSerializer.Serialize(AzuriteFixture.Definition() with { Organizers = [ana] }, JsonSerializerOptions.Web) : "{\"ids\":[],\"all\":true}";
            var response = await browser.SendAsync(new HttpMethod(method), "/" + Fill(route, theirs), json);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} /{route}: {response.StatusCode}");
        }
        // The other organizer's petition is untouched: the PUT did not take it over.
        var view = await GetPetitionAsync(_h.Client, theirs);
        Assert.Equal("Console test", view.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Without_a_session_every_console_API_answers_401()
    {
        var petition = await PetitionOfAsync(Address("ana"));
        using var anonymous = new ConsoleBrowser(_h);
        var apis = ConsoleApis();
        Assert.True(apis.Count >= 8, $"{apis.Count} console APIs");
        foreach (var (method, route) in apis)
        {
            var response = await anonymous.SendAsync(new HttpMethod(method), "/" + Fill(route, petition), method == "GET" ? null : "{}");
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} /{route}: {response.StatusCode}");
        }
        // A forged or tampered cookie is no session either.
        var forged = new HttpRequestMessage(HttpMethod.Get, "/api/console/petitions");
        forged.Headers.Add("Cookie", "sp_console=a.-.9999999999.00112233445566778899aabbccddeeff.00112233445566778899aabbccddeeff");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.Http.SendAsync(forged)).StatusCode);
    }

    [Fact]
    public async Task A_sign_in_link_works_once()
    {
        var ana = Address("ana");
        await PetitionOfAsync(ana);
        using var first = new ConsoleBrowser(_h);
        await first.AskForLinkAsync(ana);
        var token = await first.LinkTokenAsync(ana);
        // The page the link opens only shows a button: opening it (a mail scanner) signs no one in and uses nothing.
        var page = await first.Http.GetAsync($"/console/signin?token={Uri.EscapeDataString(token)}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("method=\"post\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var presses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => new ConsoleBrowser(_h).PressSignInAsync(token)));
        Assert.Single(presses, r => r.StatusCode == HttpStatusCode.Redirect);
        Assert.Equal(2, presses.Count(r => r.StatusCode == HttpStatusCode.BadRequest && !r.Headers.Contains("Set-Cookie")));
    }

    [Fact]
    public async Task A_sign_in_link_expires_after_15_minutes()
    {
        var ana = Address("ana");
        await PetitionOfAsync(ana);
        using var browser = new ConsoleBrowser(_h);
        await browser.AskForLinkAsync(ana);
        var token = await browser.LinkTokenAsync(ana);
        _h.Clock.Offset = TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(5);
        try
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await browser.PressSignInAsync(token)).StatusCode);
            Assert.Null(browser.Cookie);
        }
        finally
        {
            _h.Clock.Offset = TimeSpan.Zero;
        }
        // Within its 15 minutes, a fresh link signs in.
        await browser.SignInAsync(ana);
    }

    [Fact]
    public async Task An_address_that_organizes_nothing_gets_the_same_answer_and_no_email()
    {
        var ana = Address("ana");
        await PetitionOfAsync(ana);
        var stranger = Address("stranger");
        using var browser = new ConsoleBrowser(_h);
        var known = await browser.AskForLinkAsync(ana);
        var unknown = await browser.AskForLinkAsync(stranger);
        Assert.Equal(known.StatusCode, unknown.StatusCode);
        Assert.Equal(await known.Content.ReadAsStringAsync(), await unknown.Content.ReadAsStringAsync());
        await _h.WaitForMailAsync(ana);
        await Task.Delay(500);
        Assert.Empty(_h.MailTo(stranger));
    }

    [Fact]
    public async Task Sign_in_requests_are_rate_limited_per_address_and_per_IP()
    {
        await using var limited = await AbuseHost.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["Console:MaxSignInsPerAddressPerHour"] = "2",
            ["Console:MaxSignInsPerIpPerHour"] = "4",
        });
        using var browser = new ConsoleBrowser(limited);
        var ana = Address("ana");
        Assert.Equal(HttpStatusCode.OK, (await browser.AskForLinkAsync(ana)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.AskForLinkAsync(ana)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await browser.AskForLinkAsync(ana)).StatusCode);
        // Other addresses from the same IP: the IP's budget (4, the refused request included) allows one more.
        Assert.Equal(HttpStatusCode.OK, (await browser.AskForLinkAsync(Address("ben"))).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await browser.AskForLinkAsync(Address("carl"))).StatusCode);
    }

    [Fact]
    public async Task State_changing_requests_without_the_CSRF_token_or_from_another_site_are_refused()
    {
        var ana = Address("ana");
        var petition = await PetitionOfAsync(ana);
        using var browser = new ConsoleBrowser(_h);
        await browser.SignInAsync(ana);
        var edit = JsonSerializer.Serialize(AzuriteFixture.Definition("Edited") with { Organizers = [ana] }, JsonSerializerOptions.Web);

        Assert.Equal(HttpStatusCode.Forbidden, (await browser.SendAsync(HttpMethod.Put, $"/api/console/petitions/{petition}", edit, withCsrf: false)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.SendAsync(HttpMethod.Put, $"/api/console/petitions/{petition}", edit, origin: "https://attacker.example")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.SendAsync(HttpMethod.Post, $"/api/console/petitions/{petition}/held/release", "{\"all\":true}", withCsrf: false)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.SendAsync(HttpMethod.Post, "/console/signout", withCsrf: false)).StatusCode);
        Assert.Equal("Console test", (await GetPetitionAsync(_h.Client, petition)).GetProperty("title").GetString());

        var saved = await browser.SendAsync(HttpMethod.Put, $"/api/console/petitions/{petition}", edit, origin: _h.Host.Address.GetLeftPart(UriPartial.Authority));
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Equal("Edited", (await GetPetitionAsync(_h.Client, petition)).GetProperty("title").GetString());
    }

    [Fact]
    public async Task An_organizer_announces_a_victory_from_the_console_and_sees_it_listed_and_the_petition_won()
    {
        var ana = Address("ana");
        var petition = await PetitionOfAsync(ana);
        using var browser = new ConsoleBrowser(_h);
        await browser.SignInAsync(ana);

        var invalid = await browser.SendAsync(HttpMethod.Post, $"/api/console/petitions/{petition}/updates",
            JsonSerializer.Serialize(new { kind = "response", subject = "The Governor answered", body = "Read it." }));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains((await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == "responder");

        var victory = await browser.SendAsync(HttpMethod.Post, $"/api/console/petitions/{petition}/updates",
            JsonSerializer.Serialize(new { kind = "victory", subject = "We won", body = "The Governor suspended the program." }));
        Assert.Equal(HttpStatusCode.Created, victory.StatusCode);
        var list = await (await browser.SendAsync(HttpMethod.Get, $"/api/console/petitions/{petition}/updates")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("We won", Assert.Single(list.GetProperty("updates").EnumerateArray().ToList()).GetProperty("subject").GetString());
        var sources = await browser.SendAsync(HttpMethod.Get, $"/api/console/petitions/{petition}/sources");
        Assert.Equal(HttpStatusCode.OK, sources.StatusCode);

        // Without the CSRF token nothing is sent.
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.SendAsync(HttpMethod.Post, $"/api/console/petitions/{petition}/updates",
            JsonSerializer.Serialize(new { kind = "update", subject = "Again", body = "Again." }), withCsrf: false)).StatusCode);
    }

    [Fact]
    public async Task Editing_keeps_the_admin_validation_and_an_organizer_cannot_remove_themselves()
    {
        var ana = Address("ana");
        var petition = await PetitionOfAsync(ana);
        using var browser = new ConsoleBrowser(_h);
        await browser.SignInAsync(ana);
        var invalid = await browser.SendAsync(HttpMethod.Put, $"/api/console/petitions/{petition}",
            JsonSerializer.Serialize(AzuriteFixture.Definition("") with { Organizers = [ana] }, JsonSerializerOptions.Web));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var problem = await invalid.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == "title");

        var leaving = await browser.SendAsync(HttpMethod.Put, $"/api/console/petitions/{petition}",
            JsonSerializer.Serialize(AzuriteFixture.Definition() with { Organizers = ["someone.else@example.org"] }, JsonSerializerOptions.Web));
        Assert.Equal(HttpStatusCode.BadRequest, leaving.StatusCode);
        Assert.Contains("organizer_self_required", await leaving.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Adding a co-organizer lets them in; removing them shuts them out again.
        var ben = Address("ben");
        Assert.Equal(HttpStatusCode.OK, (await browser.SendAsync(HttpMethod.Put, $"/api/console/petitions/{petition}",
            JsonSerializer.Serialize(AzuriteFixture.Definition() with { Organizers = [ana, ben] }, JsonSerializerOptions.Web))).StatusCode);
        using var benBrowser = new ConsoleBrowser(_h);
        await benBrowser.SignInAsync(ben);
        Assert.Equal(HttpStatusCode.OK, (await benBrowser.SendAsync(HttpMethod.Get, $"/api/console/petitions/{petition}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.SendAsync(HttpMethod.Put, $"/api/console/petitions/{petition}",
            JsonSerializer.Serialize(AzuriteFixture.Definition() with { Organizers = [ana] }, JsonSerializerOptions.Web))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await benBrowser.SendAsync(HttpMethod.Get, $"/api/console/petitions/{petition}")).StatusCode);
    }

    [Fact]
    public async Task The_petition_view_shows_counts_hours_and_ZIP_areas_from_the_counters_and_releasing_a_held_signature_counts_it()
    {
        var ana = Address("ana");
        var petition = await PetitionOfAsync(ana);
        foreach (var (email, zip) in new[] { ("v1@example.org", "10001"), ("v2@example.org", "10027"), ("v3@example.org", "12207") })
            await WaitForFinalAsync(_h.Client, await SignAsync(_h.Client, petition, Signer(email, zip: zip)));
        // The same person again, twice (the second a retry would look the same): duplicates, counted by reason once each.
        await WaitForFinalAsync(_h.Client, await SignAsync(_h.Client, petition, Signer("V1@example.org", zip: "10001")));
        await WaitForFinalAsync(_h.Client, await SignAsync(_h.Client, petition, Signer("v1@example.org", zip: "10001")));
        var held = await SignAsync(_h.Client, petition, new { firstName = "Held", lastName = "Back", email = "held@example.org", postalCode = "10001", state = "NY", website = "http://spam.example" });
        await WaitForFinalAsync(_h.Client, held);

        using var browser = new ConsoleBrowser(_h);
        await browser.SignInAsync(ana);
        var view = await (await browser.SendAsync(HttpMethod.Get, $"/api/console/petitions/{petition}")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3, view.GetProperty("summary").GetProperty("signatureCount").GetInt64());
        Assert.Equal(3, view.GetProperty("summary").GetProperty("last24Hours").GetInt64());
        Assert.Equal(3, view.GetProperty("hours").EnumerateArray().Sum(h => h.GetProperty("count").GetInt64()));
        Assert.Equal(7 * 24, view.GetProperty("hours").GetArrayLength());
        Assert.Equal(3, view.GetProperty("countsByState").GetProperty("NY").GetInt64());
        var zips = view.GetProperty("topZip3").EnumerateArray().ToDictionary(z => z.GetProperty("key").GetString()!, z => z.GetProperty("count").GetInt64());
        Assert.Equal(2, zips["100"]);
        Assert.Equal(1, zips["122"]);
        var duplicates = Assert.Single(view.GetProperty("outcomes").EnumerateArray());
        Assert.Equal("duplicate", duplicates.GetProperty("status").GetString());
        Assert.Equal(2, duplicates.GetProperty("count").GetInt64());

        var list = await (await browser.SendAsync(HttpMethod.Get, $"/api/console/petitions/{petition}/held")).Content.ReadFromJsonAsync<JsonElement>();
        var id = Assert.Single(list.EnumerateArray()).GetProperty("id").GetString();
        var released = await browser.SendAsync(HttpMethod.Post, $"/api/console/petitions/{petition}/held/release", JsonSerializer.Serialize(new { ids = new[] { id } }));
        Assert.Equal(HttpStatusCode.OK, released.StatusCode);
        view = await (await browser.SendAsync(HttpMethod.Get, $"/api/console/petitions/{petition}")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(4, view.GetProperty("summary").GetProperty("signatureCount").GetInt64());
        Assert.Equal(4, view.GetProperty("hours").EnumerateArray().Sum(h => h.GetProperty("count").GetInt64()));

        // The counters' series agree with a recount of the rows: no shard needs repair.
        var store = _h.Host.Services.GetRequiredService<SignatureStore>();
        for (var shard = 0; shard < store.ShardCount; shard++)
            Assert.False(await store.RepairShardAsync(petition, shard, CancellationToken.None), $"shard {shard} drifted");
    }

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Parameter();
}
