using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SignaturePipeline.Abuse;

/// <summary>
/// Optional human check (<see cref="AbuseOptions.Captcha"/>): Cloudflare Turnstile or hCaptcha, through their
/// siteverify APIs, which take the same form fields (<c>secret</c>, <c>response</c>, <c>remoteip</c>) and answer
/// <c>{"success": bool, "hostname": "…", "error-codes": [...]}</c>. A failed check holds the signature (the same 202,
/// like a rate limit), and so does a check that could not be made: were an outage to let everything through, an attacker
/// would only need to make the provider slow. An organizer releases what was held for no fault of the signer.
/// A token solved on another site (its <c>hostname</c>) proves nothing about a signer on ours.
/// </summary>
public sealed class CaptchaVerifier(IHttpClientFactory http, IOptions<AbuseOptions> options, IOptions<PipelineOptions> pipeline, ILogger<CaptchaVerifier> logger)
{
    public const string HttpClientName = "captcha";
    public const string TurnstileUrl = "https://challenges.cloudflare.com/turnstile/v0/siteverify";
    public const string HCaptchaUrl = "https://api.hcaptcha.com/siteverify";

    /// <summary>Turnstile documents tokens of at most 2,048 characters; anything longer is not a token.</summary>
    public const int MaxResponseLength = 2048;

    public bool Enabled => options.Value.Captcha is "turnstile" or "hcaptcha";

    /// <summary>The provider's documented siteverify address, unless a setting names another.</summary>
    public Uri VerifyUrl => new(!string.IsNullOrWhiteSpace(options.Value.CaptchaVerifyUrl) ? options.Value.CaptchaVerifyUrl
        : options.Value.Captcha == "hcaptcha" ? HCaptchaUrl : TurnstileUrl);

    /// <param name="allowedOrigins">The petition's allowed origins: the sites whose widget may carry a token for it.</param>
    public async Task<bool> VerifyAsync(string? response, IPAddress? clientIp, IReadOnlyCollection<string> allowedOrigins, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(response) || response.Length > MaxResponseLength) return false;
        var o = options.Value;
        var fields = new List<KeyValuePair<string, string>> { new("secret", o.CaptchaSecret ?? ""), new("response", response) };
        if (clientIp is not null) fields.Add(new("remoteip", clientIp.ToString()));
        try
        {
            using var client = http.CreateClient(HttpClientName);
            client.Timeout = TimeSpan.FromSeconds(5);
            using var content = new FormUrlEncodedContent(fields);
            using var answer = await client.PostAsync(VerifyUrl, content, ct).ConfigureAwait(false);
            answer.EnsureSuccessStatusCode();
            using var json = await JsonDocument.ParseAsync(await answer.Content.ReadAsStreamAsync(ct).ConfigureAwait(false), cancellationToken: ct).ConfigureAwait(false);
            var root = json.RootElement;
            if (!(root.TryGetProperty("success", out var s) && s.ValueKind == JsonValueKind.True))
            {
                if (root.TryGetProperty("error-codes", out var codes)) logger.LogInformation("Captcha refused: {ErrorCodes}", codes.GetRawText());
                return false;
            }
            var hostname = root.TryGetProperty("hostname", out var h) && h.ValueKind == JsonValueKind.String ? h.GetString() : null;
            if (IsOurs(hostname, allowedOrigins)) return true;
            logger.LogInformation("Captcha solved on {Hostname}, not on a site of this petition", hostname ?? "(no hostname)");
            return false;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "Captcha provider {Provider} unreachable; signature held for review", o.Captcha);
            return false;
        }
    }

    /// <summary>The app's own pages, or a site the petition allows (any, with <c>*</c>).</summary>
    private bool IsOurs(string? hostname, IReadOnlyCollection<string> allowedOrigins)
    {
        if (string.IsNullOrEmpty(hostname)) return false;
        if (allowedOrigins.Contains("*")) return true;
        var own = Uri.TryCreate(pipeline.Value.PublicBaseUrl, UriKind.Absolute, out var baseUrl) ? baseUrl.Host : "localhost";
        return string.Equals(hostname, own, StringComparison.OrdinalIgnoreCase)
            || allowedOrigins.Any(origin => Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Host, hostname, StringComparison.OrdinalIgnoreCase));
    }
}
