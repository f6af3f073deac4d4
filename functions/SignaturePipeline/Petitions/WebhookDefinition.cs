using System.Net;
using System.Security.Cryptography;
using System.Text;
using SignaturePipeline.Security;

namespace SignaturePipeline.Petitions;

/// <summary>
/// One entry of a petition definition's <c>webhooks</c>. <see cref="Secret"/> and <see cref="Headers"/> are write-only:
/// left out when a petition is edited, the stored ones stay (for the webhook with the same URL); a header given with a
/// null value keeps its stored value too.
/// </summary>
public sealed record WebhookDefinition
{
    public string? Url { get; init; }
    public string? Secret { get; init; }
    public List<string>? Events { get; init; }
    public string? Format { get; init; }
    public Dictionary<string, string?>? Headers { get; init; }
    public bool? Batch { get; init; }

    public const int MaxWebhooks = 5;
    public const int MinSecretLength = 16;
    public const int MaxSecretLength = 256;
    public const int MaxUrlLength = 2000;
    public const int MaxHeaders = 10;
    public const int MaxHeaderNameLength = 64;
    public const int MaxHeaderValueLength = 1024;

    // Headers the transport owns, or that would let a definition confuse the receiver about what was signed.
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection", "TE", "Trailer",
        "Transfer-Encoding", "Upgrade", "Host", "Expect", "Cookie", "User-Agent",
    };

    /// <summary>The id of a webhook: stable while its URL stays, so an edit keeps its cursors and failures.</summary>
    public static string IdOf(string url) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url)).AsSpan(0, 6));

    /// <summary>Checks every webhook; returns the ones to store (secrets sealed) or adds field errors.</summary>
    public static IReadOnlyList<Webhook> Validate(IReadOnlyList<WebhookDefinition>? definitions, IReadOnlyList<Webhook> existing,
        WebhookRules? rules, DateTimeOffset now, List<FieldError> errors)
    {
        var result = new List<Webhook>();
        if (definitions is null || definitions.Count == 0) return result;
        if (rules is null)
        {
            errors.Add(new("webhooks", "webhooks_unavailable", "Webhooks cannot be defined here."));
            return result;
        }
        if (definitions.Count > MaxWebhooks)
        {
            errors.Add(new("webhooks", "webhooks_too_many", $"A petition can have at most {MaxWebhooks} webhooks."));
            return result;
        }
        for (var i = 0; i < definitions.Count; i++)
            if (definitions[i].ValidateOne($"webhooks[{i}]", existing, rules, now, errors) is { } webhook)
            {
                if (result.Any(w => w.Id == webhook.Id)) errors.Add(new($"webhooks[{i}].url", "webhook_url_duplicate", "Each webhook URL can appear only once."));
                else result.Add(webhook);
            }
        return result;
    }

    private Webhook? ValidateOne(string field, IReadOnlyList<Webhook> existing, WebhookRules rules, DateTimeOffset now, List<FieldError> errors)
    {
        var count = errors.Count;
        string? url = null;
        if (Url is null || Url.Length > MaxUrlLength || !Uri.TryCreate(Url, UriKind.Absolute, out var uri) || !string.IsNullOrEmpty(uri.UserInfo)
            || !string.IsNullOrEmpty(uri.Fragment))
            errors.Add(new(field + ".url", "webhook_url_invalid", "Give an absolute https URL (no user name, no fragment)."));
        else if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && rules.AllowLoopback && uri.IsLoopback))
            errors.Add(new(field + ".url", "webhook_url_not_https", "A webhook URL must use https."));
        else if (IPAddress.TryParse(uri.IdnHost, out var literal) && !WebhookAddressPolicy.IsAllowed(literal, rules.AllowLoopback))
            errors.Add(new(field + ".url", "webhook_url_address_refused", "A webhook cannot point at a private, loopback, link-local or metadata address."));
        else url = uri.AbsoluteUri;

        var events = (Events ?? []).Distinct(StringComparer.Ordinal).ToList();
        if (events.Count == 0) errors.Add(new(field + ".events", "webhook_events_required", "List the events to send: " + string.Join(", ", WebhookEvents.All) + "."));
        foreach (var e in events.Where(e => !WebhookEvents.All.Contains(e, StringComparer.Ordinal)))
            errors.Add(new(field + ".events", "webhook_event_unknown", $"'{Truncate(e)}' is not an event. Use " + string.Join(", ", WebhookEvents.All) + "."));

        var format = Format ?? WebhookFormats.Json;
        if (!WebhookFormats.All.Contains(format, StringComparer.Ordinal))
            errors.Add(new(field + ".format", "webhook_format_invalid", "The format must be osdi or json."));

        var previous = url is null ? null : existing.FirstOrDefault(w => w.Id == IdOf(url));
        string sealedSecret = "";
        if (Secret is null)
        {
            if (previous is { HasSecret: true }) sealedSecret = previous.SealedSecret;
            else errors.Add(new(field + ".secret", "webhook_secret_required", $"Give the webhook a secret of {MinSecretLength} to {MaxSecretLength} characters; the receiver verifies each request with it."));
        }
        else if (Secret.Length is < MinSecretLength or > MaxSecretLength || Secret.Any(char.IsControl))
            errors.Add(new(field + ".secret", "webhook_secret_invalid", $"The secret must be {MinSecretLength} to {MaxSecretLength} characters, without control characters."));
        else sealedSecret = rules.Secrets.Seal(Secret);

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (Headers is null)
        {
            if (previous is not null) foreach (var (name, value) in previous.SealedHeaders) headers[name] = value;
        }
        else if (Headers.Count > MaxHeaders)
            errors.Add(new(field + ".headers", "webhook_headers_too_many", $"A webhook can carry at most {MaxHeaders} headers."));
        else
            foreach (var (name, value) in Headers)
            {
                if (!IsHeaderName(name) || ReservedHeaders.Contains(name) || name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase)
                    || name.StartsWith("X-Signature-", StringComparison.OrdinalIgnoreCase))
                    errors.Add(new(field + ".headers", "webhook_header_name_invalid", $"'{Truncate(name)}' cannot be set: use a valid header name that is not hop-by-hop, Host, Content-* or X-Signature-*."));
                else if (value is null)
                {
                    if (previous?.SealedHeaders.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value is { } kept) headers[name] = kept;
                    else errors.Add(new(field + ".headers", "webhook_header_value_required", $"Give a value for header '{Truncate(name)}'."));
                }
                else if (value.Length > MaxHeaderValueLength || value.Any(c => char.IsControl(c) && c != '\t'))
                    errors.Add(new(field + ".headers", "webhook_header_value_invalid", $"The value of '{Truncate(name)}' must be up to {MaxHeaderValueLength} characters, without line breaks."));
                else headers[name] = rules.Secrets.Seal(value);
            }

        if (errors.Count > count) return null;
        return new Webhook
        {
            Id = IdOf(url!),
            Url = url!,
            Events = events,
            Format = format,
            Batch = Batch ?? false,
            Since = previous?.Since ?? now,
            SealedSecret = sealedSecret,
            SealedHeaders = headers,
        };
    }

    /// <summary>An RFC 9110 token: letters, digits and <c>!#$%&amp;'*+-.^_`|~</c>.</summary>
    private static bool IsHeaderName(string name) =>
        name.Length is > 0 and <= MaxHeaderNameLength && name.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c));

    private static string Truncate(string? value) => value is null ? "" : value.Length > 60 ? value[..60] + "…" : value;
}

/// <summary>What validating a webhook needs from the host: whether loopback receivers are allowed, and the sealer.</summary>
public sealed record WebhookRules(bool AllowLoopback, WebhookSecrets Secrets);
