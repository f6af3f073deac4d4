using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace SignaturePipeline.Email;

/// <summary>
/// Azure Communication Services Email through its REST API (the SDK package is not available here):
/// <c>POST {endpoint}/emails:send</c> with an Operation-Id derived from the idempotency key, then poll the
/// operation until it is Succeeded, Failed or Canceled. Azure.Core's pipeline retries 408/429/5xx and honours
/// Retry-After; the fixed Operation-Id is what makes retrying a POST safe.
/// </summary>
public sealed class AcsEmailTransport : IEmailTransport
{
    public const string Scope = "https://communication.azure.com//.default";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly HttpPipeline _pipeline;
    private readonly Uri _endpoint;
    private readonly AcsEmailOptions _acs;
    private readonly TimeProvider _clock;
    private readonly ILogger<AcsEmailTransport> _logger;

    public AcsEmailTransport(IOptions<EmailOptions> options, TimeProvider clock, ILogger<AcsEmailTransport> logger, string? fallbackClientId = null, HttpPipelineTransport? transport = null)
    {
        _acs = options.Value.Acs;
        _clock = clock;
        _logger = logger;
        HttpPipelinePolicy authentication;
        if (!string.IsNullOrWhiteSpace(_acs.ConnectionString))
        {
            if (!AcsConnectionString.TryParse(_acs.ConnectionString, out var parsed, out var error)) throw new InvalidOperationException(error);
            _endpoint = string.IsNullOrWhiteSpace(_acs.Endpoint) ? parsed.Endpoint : new Uri(_acs.Endpoint);
            authentication = new AcsHmacAuthenticationPolicy(parsed.AccessKey, clock);
        }
        else
        {
            _endpoint = new Uri(_acs.Endpoint ?? throw new InvalidOperationException("Email:Acs:Endpoint is not set."));
            authentication = new BearerTokenAuthenticationPolicy(CreateCredential(_acs, fallbackClientId), Scope);
        }

        var pipelineOptions = new AcsClientOptions();
        pipelineOptions.Retry.Mode = RetryMode.Exponential;
        pipelineOptions.Retry.MaxRetries = _acs.MaxRetries;
        pipelineOptions.Retry.Delay = TimeSpan.FromSeconds(0.8);
        pipelineOptions.Retry.MaxDelay = TimeSpan.FromMinutes(1);
        pipelineOptions.Diagnostics.ApplicationId = "SignaturePipeline";
        if (transport is not null) pipelineOptions.Transport = transport;
        _pipeline = HttpPipelineBuilder.Build(pipelineOptions, [], [authentication], new ResponseClassifier());
    }

    public Uri Endpoint => _endpoint;

    /// <summary>
    /// With UseManagedIdentity, the identity named by ClientId, else by the app's AZURE_CLIENT_ID (the deployed app
    /// runs as a user-assigned identity), else the system-assigned one. Without it, a developer's sign-in.
    /// </summary>
    internal static TokenCredential CreateCredential(AcsEmailOptions acs, string? fallbackClientId)
    {
        var clientId = string.IsNullOrWhiteSpace(acs.ClientId) ? fallbackClientId : acs.ClientId;
        if (acs.UseManagedIdentity == true)
            return string.IsNullOrWhiteSpace(clientId)
                ? new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned)
                : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
        return new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = string.IsNullOrWhiteSpace(clientId) ? null : clientId });
    }

    public async Task SendAsync(MimeMessage message, string idempotencyKey, CancellationToken ct)
    {
        var operationId = EmailIdempotency.OperationId(idempotencyKey).ToString("D");
        var body = JsonSerializer.SerializeToUtf8Bytes(AcsEmailRequest.From(message), Json);

        using var post = _pipeline.CreateMessage();
        post.Request.Method = RequestMethod.Post;
        post.Request.Uri.Reset(new Uri($"{_endpoint.AbsoluteUri.TrimEnd('/')}/emails:send?api-version={Uri.EscapeDataString(_acs.ApiVersion)}"));
        post.Request.Headers.SetValue("Operation-Id", operationId);
        post.Request.Headers.SetValue(HttpHeader.Names.ContentType, "application/json");
        post.Request.Content = RequestContent.Create(body);
        await _pipeline.SendAsync(post, ct).ConfigureAwait(false);
        var response = post.Response;

        Uri statusUri;
        AcsStatus status;
        if (response.Status == 202)
        {
            statusUri = StatusUri(response, operationId);
            status = AcsStatus.Read(response);
        }
        else if (response.Status == 409)
        {
            // This Operation-Id was taken before: an earlier attempt of this very email got through. Follow that operation.
            _logger.LogInformation("ACS already knows operation {OperationId} for {IdempotencyKey}; following it", operationId, idempotencyKey);
            statusUri = DefaultStatusUri(operationId);
            status = new AcsStatus("Unknown", null, null);
        }
        else
        {
            var error = AcsStatus.Read(response);
            throw new EmailSendException($"ACS refused email {idempotencyKey}: HTTP {response.Status} {error.ErrorCode} {error.ErrorMessage}".TrimEnd())
            {
                // A 4xx is a judgement on the request (429 included: it was not taken); nothing was queued.
                // A 408 or a 5xx leaves open whether it was, so the retry must keep this Operation-Id.
                NothingSent = response.Status is >= 400 and < 500 and not 408,
            };
        }

        var deadline = _clock.GetUtcNow() + _acs.MaxPollTime;
        var retryAfter = RetryAfter(response);
        while (!status.IsTerminal)
        {
            var remaining = deadline - _clock.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
                throw new EmailSendException($"ACS operation {operationId} for {idempotencyKey} was still {status.Status} after {_acs.MaxPollTime}; it is retried later under the same Operation-Id.");
            var wait = retryAfter ?? _acs.PollInterval;
            await Task.Delay(wait < remaining ? wait : remaining, _clock, ct).ConfigureAwait(false);

            using var get = _pipeline.CreateMessage();
            get.Request.Method = RequestMethod.Get;
            get.Request.Uri.Reset(statusUri);
            await _pipeline.SendAsync(get, ct).ConfigureAwait(false);
            if (get.Response.Status != 200)
            {
                var error = AcsStatus.Read(get.Response);
                throw new EmailSendException($"ACS status of {operationId} for {idempotencyKey} failed: HTTP {get.Response.Status} {error.ErrorCode} {error.ErrorMessage}".TrimEnd());
            }
            status = AcsStatus.Read(get.Response);
            retryAfter = RetryAfter(get.Response);
        }

        if (status.Status != "Succeeded")
            throw new EmailSendException($"ACS operation {operationId} for {idempotencyKey} ended {status.Status}: {status.ErrorCode} {status.ErrorMessage}".TrimEnd())
            {
                NothingSent = true,
            };
        _logger.LogInformation("ACS sent {IdempotencyKey} as operation {OperationId}", idempotencyKey, operationId);
    }

    private Uri DefaultStatusUri(string operationId) =>
        new($"{_endpoint.AbsoluteUri.TrimEnd('/')}/emails/operations/{operationId}?api-version={Uri.EscapeDataString(_acs.ApiVersion)}");

    /// <summary>Follows Operation-Location only on the same host: a signed request or a token must not go elsewhere.</summary>
    private Uri StatusUri(Response response, string operationId) =>
        response.Headers.TryGetValue("Operation-Location", out var location)
        && Uri.TryCreate(location, UriKind.Absolute, out var uri)
        && string.Equals(uri.Authority, _endpoint.Authority, StringComparison.OrdinalIgnoreCase)
        && uri.Scheme == _endpoint.Scheme
            ? uri
            : DefaultStatusUri(operationId);

    private static TimeSpan? RetryAfter(Response response) =>
        response.Headers.TryGetValue("Retry-After", out var value) && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(Math.Min(seconds, 60))
            : null;

    private sealed class AcsClientOptions : ClientOptions;

    private sealed record AcsStatus(string Status, string? ErrorCode, string? ErrorMessage)
    {
        public bool IsTerminal => Status is "Succeeded" or "Failed" or "Canceled";

        public static AcsStatus Read(Response response)
        {
            try
            {
                using var document = JsonDocument.Parse(response.Content.ToMemory());
                var root = document.RootElement;
                var status = root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : "Unknown";
                string? code = null, message = null;
                if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
                {
                    code = error.TryGetProperty("code", out var c) ? c.GetString() : null;
                    message = error.TryGetProperty("message", out var m) ? m.GetString() : null;
                }
                return new AcsStatus(status, code, message);
            }
            catch (JsonException)
            {
                return new AcsStatus("Unknown", null, null);
            }
        }
    }
}

/// <summary>The documented request body of <c>emails:send</c>, from a MIME message.</summary>
public sealed record AcsEmailRequest(
    string SenderAddress,
    AcsEmailRequest.RecipientList Recipients,
    AcsEmailRequest.Body Content,
    IReadOnlyList<AcsEmailRequest.Attachment>? Attachments,
    IReadOnlyDictionary<string, string>? Headers,
    IReadOnlyList<AcsEmailRequest.Mailbox>? ReplyTo)
{
    public sealed record Mailbox(string Address, string? DisplayName);
    public sealed record RecipientList(IReadOnlyList<Mailbox> To, IReadOnlyList<Mailbox>? Cc, IReadOnlyList<Mailbox>? Bcc);
    public sealed record Body(string Subject, string? PlainText, string? Html);
    public sealed record Attachment(string Name, string ContentType, string ContentInBase64);

    public static AcsEmailRequest From(MimeMessage message)
    {
        var attachments = message.Attachments.OfType<MimePart>().Select(part =>
        {
            using var buffer = new MemoryStream();
            part.Content?.DecodeTo(buffer);
            return new Attachment(part.FileName ?? "attachment", part.ContentType.MimeType, Convert.ToBase64String(buffer.GetBuffer(), 0, (int)buffer.Length));
        }).ToList();
        // Only extension headers and the unsubscribe headers (RFC 2369, RFC 8058) travel: ACS sets its own Message-Id,
        // Date and the address headers itself.
        var headers = message.Headers
            .Where(h => h.Field.StartsWith("X-", StringComparison.OrdinalIgnoreCase) || h.Field.StartsWith("List-Unsubscribe", StringComparison.OrdinalIgnoreCase))
            .GroupBy(h => h.Field, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.OrdinalIgnoreCase);
        return new AcsEmailRequest(
            message.From.Mailboxes.FirstOrDefault()?.Address ?? throw new ArgumentException("The message has no sender.", nameof(message)),
            new RecipientList(Addresses(message.To), NullIfEmpty(Addresses(message.Cc)), NullIfEmpty(Addresses(message.Bcc))),
            new Body(message.Subject ?? "", message.TextBody, message.HtmlBody),
            attachments.Count == 0 ? null : attachments,
            headers.Count == 0 ? null : headers,
            NullIfEmpty(Addresses(message.ReplyTo)));
    }

    private static List<Mailbox> Addresses(InternetAddressList list) =>
        list.Mailboxes.Select(m => new Mailbox(m.Address, string.IsNullOrEmpty(m.Name) ? null : m.Name)).ToList();

    private static List<Mailbox>? NullIfEmpty(List<Mailbox> list) => list.Count == 0 ? null : list;
}
