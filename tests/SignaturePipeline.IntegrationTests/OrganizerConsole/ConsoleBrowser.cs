using System.Net;
using System.Text.RegularExpressions;
using SignaturePipeline.IntegrationTests.Abuse;
using SignaturePipeline.IntegrationTests.Infrastructure;

namespace SignaturePipeline.IntegrationTests.OrganizerConsole;

/// <summary>What an organizer's browser does: asks for a link, reads it in the email, presses the button, keeps the cookie.</summary>
public sealed partial class ConsoleBrowser(AbuseHost host) : IDisposable
{
    public HttpClient Http { get; } = new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = host.Host.Address };
    public string? Cookie { get; private set; }
    public string? Csrf { get; private set; }

    public Task<HttpResponseMessage> AskForLinkAsync(string email) =>
        Http.PostAsync("/console/signin", new FormUrlEncodedContent([new("email", email)]));

    /// <summary>The token of the <paramref name="nth"/> sign-in email the address received (they are sent off the request's path).</summary>
    public async Task<string> LinkTokenAsync(string email, int nth = 1)
    {
        var mail = await host.WaitForMailAsync(email, nth);
        var text = mail[nth - 1].Message.TextBody ?? "";
        return Uri.UnescapeDataString(LinkToken().Match(text) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException($"No console link in: {text}"));
    }

    public async Task<HttpResponseMessage> PressSignInAsync(string token)
    {
        var response = await Http.PostAsync("/console/session", new FormUrlEncodedContent([new("token", token)]));
        if (response.StatusCode == HttpStatusCode.Redirect && response.Headers.TryGetValues("Set-Cookie", out var cookies))
        {
            Cookie = cookies.Select(c => c.Split(';')[0]).First(c => c.StartsWith("sp_console=", StringComparison.Ordinal));
            var page = await SendAsync(HttpMethod.Get, "/console");
            Csrf = CsrfAttribute().Match(await page.Content.ReadAsStringAsync()).Groups[1].Value;
        }
        return response;
    }

    public async Task SignInAsync(string email)
    {
        var before = host.MailTo(email).Count;
        Assert.Equal(HttpStatusCode.OK, (await AskForLinkAsync(email)).StatusCode);
        var token = await LinkTokenAsync(email, before + 1);
        Assert.Equal(HttpStatusCode.Redirect, (await PressSignInAsync(token)).StatusCode);
        Assert.NotNull(Cookie);
        Assert.False(string.IsNullOrEmpty(Csrf));
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json = null, bool withCsrf = true, string? origin = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (Cookie is not null) request.Headers.Add("Cookie", Cookie);
        if (withCsrf && Csrf is not null) request.Headers.Add("X-CSRF-Token", Csrf);
        if (origin is not null) request.Headers.Add("Origin", origin);
        if (json is not null) request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        return Http.SendAsync(request);
    }

    public void Dispose() => Http.Dispose();

    [GeneratedRegex(@"/console/signin\?token=(\S+)")]
    private static partial Regex LinkToken();

    [GeneratedRegex("data-csrf=\"([^\"]+)\"")]
    private static partial Regex CsrfAttribute();
}
