using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SignaturePipeline.Abuse;

/// <summary>
/// Optional human check (<see cref="AbuseOptions.Captcha"/>): Cloudflare Turnstile or hCaptcha, through their
/// siteverify APIs, which take the same form fields (<c>secret</c>, <c>response</c>, <c>remoteip</c>) and answer
/// <c>{"success": bool, "error-codes": [...]}</c>. A failed check holds the signature (the same 202, like a rate limit).
/// When the provider cannot be reached the signature is let through and the outage logged: signers are not punished for it.
/// </summary>
public sealed class CaptchaVerifier(IHttpClientFactory http, IOptions<AbuseOptions> options, ILogger<CaptchaVerifier> logger)
{
    public const string HttpClientName = "captcha";
    public const string TurnstileUrl = "https://challenges.cloudflare.com/turnstile/v0/siteverify";
    public const string HCaptchaUrl = "https://api.hcaptcha.com/siteverify";

    /// <summary>Turnstile documents tokens of at most 2,048 characters; anything longer is not a token.</summary>
    public const int MaxResponseLength = 2048;

    public bool Enabled => options.Value.Captcha is "turnstile" or "hcaptcha";

    public async Task<bool> VerifyAsync(string? response, IPAddress? clientIp, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(response) || response.Length > MaxResponseLength) return false;
        var o = options.Value;
        var url = o.CaptchaVerifyUrl ?? (o.Captcha == "hcaptcha" ? HCaptchaUrl : TurnstileUrl);
        var fields = new List<KeyValuePair<string, string>> { new("secret", o.CaptchaSecret ?? ""), new("response", response) };
        if (clientIp is not null) fields.Add(new("remoteip", clientIp.ToString()));
        try
        {
            using var client = http.CreateClient(HttpClientName);
            client.Timeout = TimeSpan.FromSeconds(5);
            using var content = new FormUrlEncodedContent(fields);
            using var answer = await client.PostAsync(new Uri(url), content, ct).ConfigureAwait(false);
            answer.EnsureSuccessStatusCode();
            using var json = await JsonDocument.ParseAsync(await answer.Content.ReadAsStreamAsync(ct).ConfigureAwait(false), cancellationToken: ct).ConfigureAwait(false);
            var success = json.RootElement.TryGetProperty("success", out var s) && s.ValueKind == JsonValueKind.True;
            if (!success && json.RootElement.TryGetProperty("error-codes", out var codes))
                logger.LogInformation("Captcha refused: {ErrorCodes}", codes.GetRawText());
            return success;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "Captcha provider {Provider} unreachable; signature let through", o.Captcha);
            return true;
        }
    }
}
