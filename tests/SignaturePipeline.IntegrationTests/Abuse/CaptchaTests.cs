using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.Abuse;
using SignaturePipeline.IntegrationTests.Infrastructure;
using static SignaturePipeline.IntegrationTests.Infrastructure.PipelineClient;

namespace SignaturePipeline.IntegrationTests.Abuse;

/// <summary>Turnstile in front of counting, against a loopback stand-in for its siteverify API.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class CaptchaTests(AzuriteFixture azurite)
{
    private static Dictionary<string, string?> Turnstile(string verifyUrl) => new()
    {
        ["Abuse:Captcha"] = "turnstile",
        ["Abuse:CaptchaSecret"] = SiteVerifyServer.Secret,
        ["Abuse:CaptchaVerifyUrl"] = verifyUrl,
    };

    private static object Human(string email, string token) =>
        new { firstName = "Ana", lastName = "Ok", email, postalCode = "10001", state = "NY", captchaResponse = token };

    private static async Task<string> FlagOfOnlyHeldAsync(AbuseHost h, string petition)
    {
        var held = await h.Admin.GetFromJsonAsync<JsonElement>($"/api/admin/petitions/{petition}/held");
        return Assert.Single(held.EnumerateArray()).GetProperty("flag").GetString()!;
    }

    [Fact]
    public async Task With_turnstile_enabled_a_failed_check_is_held_and_a_passed_one_counts()
    {
        await using var verifier = await SiteVerifyServer.StartAsync();
        await using var h = await AbuseHost.StartAsync(azurite, Turnstile(verifier.Url));
        var petition = await CreatePetitionAsync(h.Host);
        var good = await SignAsync(h.Client, petition, Human("human@example.org", SiteVerifyServer.GoodToken));
        var form = await h.Client.PostAsync($"/api/petitions/{petition}/signatures", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["firstName"] = "Bo", ["lastName"] = "Bot", ["email"] = "robot@example.org", ["postalCode"] = "10001", ["state"] = "NY", ["cf-turnstile-response"] = "forged",
        }));
        Assert.Equal(HttpStatusCode.Accepted, form.StatusCode);
        await WaitForFinalAsync(h.Client, good);
        await WaitForFinalAsync(h.Client, (await form.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("receiptId").GetString()!);

        Assert.Equal(1, await h.CountAsync(petition));
        Assert.Equal("captcha_failed", await FlagOfOnlyHeldAsync(h, petition));
        Assert.Equal(2, verifier.Calls.Count);
        Assert.All(verifier.Calls, c => Assert.Equal(SiteVerifyServer.Secret, c["secret"]));
        Assert.Contains(verifier.Calls, c => c["remoteip"] == "127.0.0.1");
    }

    [Fact]
    public async Task A_token_solved_on_a_site_the_petition_does_not_allow_is_held()
    {
        await using var verifier = await SiteVerifyServer.StartAsync(hostname: "captcha-farm.example.net");
        await using var h = await AbuseHost.StartAsync(azurite, Turnstile(verifier.Url));
        var petition = await CreatePetitionAsync(h.Host);
        await WaitForFinalAsync(h.Client, await SignAsync(h.Client, petition, Human("elsewhere@example.org", SiteVerifyServer.GoodToken)));

        Assert.Equal(0, await h.CountAsync(petition));
        Assert.Equal("captcha_failed", await FlagOfOnlyHeldAsync(h, petition));
    }

    [Fact]
    public async Task When_the_provider_cannot_be_reached_the_signature_is_held_not_let_through()
    {
        // A loopback port that was free a moment ago: nothing answers there.
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        await using var h = await AbuseHost.StartAsync(azurite, Turnstile($"http://127.0.0.1:{port}/turnstile/v0/siteverify"));
        var petition = await CreatePetitionAsync(h.Host);
        var receipt = await SignAsync(h.Client, petition, Human("patient@example.org", SiteVerifyServer.GoodToken));
        await WaitForFinalAsync(h.Client, receipt);

        Assert.Equal(0, await h.CountAsync(petition));
        Assert.Equal("captcha_failed", await FlagOfOnlyHeldAsync(h, petition));
    }

    [Theory]
    [InlineData("turnstile", "", CaptchaVerifier.TurnstileUrl)]
    [InlineData("hcaptcha", "  ", CaptchaVerifier.HCaptchaUrl)]
    [InlineData("turnstile", null, CaptchaVerifier.TurnstileUrl)]
    [InlineData("turnstile", "http://127.0.0.1:9/verify", "http://127.0.0.1:9/verify")]
    public async Task An_empty_verify_url_means_the_providers_documented_one(string captcha, string? setting, string expected)
    {
        await using var services = await azurite.BuildServicesAsync(new Dictionary<string, string?>
        {
            ["Abuse:Captcha"] = captcha, ["Abuse:CaptchaSecret"] = "s", ["Abuse:CaptchaVerifyUrl"] = setting,
        });
        Assert.Equal(new Uri(expected), services.GetRequiredService<CaptchaVerifier>().VerifyUrl);
    }

    /// <summary>A loopback stand-in for Turnstile's and hCaptcha's siteverify: form fields in, {success, hostname, error-codes} out.</summary>
    private sealed class SiteVerifyServer : IAsyncDisposable
    {
        public const string Secret = "test-captcha-secret";
        public const string GoodToken = "XXXX.DUMMY.TOKEN.XXXX";
        private readonly WebApplication _app;

        public System.Collections.Concurrent.ConcurrentBag<Dictionary<string, string>> Calls { get; } = [];
        public string Url { get; private set; } = "";

        private SiteVerifyServer(WebApplication app) => _app = app;

        /// <param name="hostname">Where the token was solved; the test petitions allow https://campaign.example.org.</param>
        public static async Task<SiteVerifyServer> StartAsync(string hostname = "campaign.example.org")
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var server = new SiteVerifyServer(app);
            app.MapPost("/turnstile/v0/siteverify", async (HttpRequest request) =>
            {
                var form = await request.ReadFormAsync();
                var fields = form.ToDictionary(f => f.Key, f => f.Value.ToString());
                server.Calls.Add(fields);
                var ok = fields.GetValueOrDefault("secret") == Secret && fields.GetValueOrDefault("response") == GoodToken;
                return Results.Json(new Dictionary<string, object>
                {
                    ["success"] = ok, ["hostname"] = hostname, ["error-codes"] = ok ? Array.Empty<string>() : ["invalid-input-response"],
                });
            });
            await app.StartAsync();
            server.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/turnstile/v0/siteverify";
            return server;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
