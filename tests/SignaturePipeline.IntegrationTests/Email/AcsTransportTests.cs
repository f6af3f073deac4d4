using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SignaturePipeline.Email;
using SignaturePipeline.IntegrationTests.Infrastructure;

namespace SignaturePipeline.IntegrationTests.Email;

/// <summary>
/// The ACS transport against a loopback server that holds it to the documented contract: it recomputes the
/// HMAC signature from the documented string to sign, checks the headers and the JSON body, throttles the
/// first send with a 429 and Retry-After, and answers 202 with an Operation-Location to poll.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class AcsTransportTests(AzuriteFixture azurite)
{
    private const string AccessKey = "bXktdGVzdC1hY2Nlc3Mta2V5LWZvci10aGUtbG9vcGJhY2stYWNzLXNlcnZlcg==";

    [Fact]
    public async Task Acs_requests_are_signed_a_429_is_retried_after_Retry_After_and_the_operation_is_polled_to_success()
    {
        await using var acs = await FakeAcs.StartAsync(AccessKey, throttleFirst: 1, finalStatus: "Succeeded");
        await using var services = await azurite.BuildServicesAsync(acs.Settings());
        Assert.IsType<AcsEmailTransport>(services.GetRequiredService<IEmailTransport>());

        var email = new OutgoingEmail(["organizer@example.org", "Co Organizer <co@example.org>"], "Passed 1,000 supporters", "Plain words", "<p>Html words</p>")
        {
            Attachments = [new EmailAttachment("signers.csv", "text/csv", Encoding.UTF8.GetBytes("state,count\nNY,700\n"))],
        };
        await services.GetRequiredService<EmailSender>().SendAsync(email, "milestone:acs-test:1000", CancellationToken.None);

        Assert.Empty(acs.Violations);
        var posts = acs.Requests.Where(r => r.Method == "POST").ToList();
        Assert.Equal(2, posts.Count);
        var operationId = EmailIdempotency.OperationId("milestone:acs-test:1000").ToString("D");
        Assert.All(posts, p => Assert.Equal(operationId, p.OperationId));
        Assert.True(posts[1].At - posts[0].At >= TimeSpan.FromSeconds(0.9), $"The retry came {(posts[1].At - posts[0].At).TotalMilliseconds} ms after the 429.");
        Assert.Equal(2, acs.Requests.Count(r => r.Method == "GET"));

        using var body = JsonDocument.Parse(posts[1].Body);
        var root = body.RootElement;
        Assert.Equal("DoNotReply@example.azurecomm.net", root.GetProperty("senderAddress").GetString());
        var to = root.GetProperty("recipients").GetProperty("to");
        Assert.Equal(["organizer@example.org", "co@example.org"], to.EnumerateArray().Select(a => a.GetProperty("address").GetString()));
        Assert.Equal("Co Organizer", to[1].GetProperty("displayName").GetString());
        var content = root.GetProperty("content");
        Assert.Equal(("Passed 1,000 supporters", "Plain words", "<p>Html words</p>"),
            (content.GetProperty("subject").GetString(), content.GetProperty("plainText").GetString(), content.GetProperty("html").GetString()));
        var attachment = Assert.Single(root.GetProperty("attachments").EnumerateArray().ToList());
        Assert.Equal(("signers.csv", "text/csv"), (attachment.GetProperty("name").GetString(), attachment.GetProperty("contentType").GetString()));
        Assert.Equal("state,count\nNY,700\n", Encoding.UTF8.GetString(Convert.FromBase64String(attachment.GetProperty("contentInBase64").GetString()!)));
        Assert.Equal("milestone:acs-test:1000", root.GetProperty("headers").GetProperty(EmailSender.KeyHeader).GetString());
    }

    [Fact]
    public async Task A_failed_acs_operation_is_reported_as_nothing_sent()
    {
        await using var acs = await FakeAcs.StartAsync(AccessKey, throttleFirst: 0, finalStatus: "Failed");
        await using var services = await azurite.BuildServicesAsync(acs.Settings());

        var error = await Assert.ThrowsAsync<EmailSendException>(() => services.GetRequiredService<EmailSender>().SendAsync(
            new OutgoingEmail(["organizer@example.org"], "Subject", "Text", "<p>Html</p>"), "milestone:acs-test:fail", CancellationToken.None));
        Assert.True(error.NothingSent);
        Assert.Contains("Failed", error.Message, StringComparison.Ordinal);
        Assert.Contains("RecipientRejected", error.Message, StringComparison.Ordinal);
        Assert.Empty(acs.Violations);
    }

    private sealed record SeenRequest(string Method, string Path, string? OperationId, byte[] Body, DateTimeOffset At);

    private sealed class FakeAcs : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly byte[] _key;
        private readonly int _throttleFirst;
        private readonly string _finalStatus;
        private readonly ConcurrentDictionary<string, int> _polls = new();
        private int _posts;

        private FakeAcs(WebApplication app, byte[] key, int throttleFirst, string finalStatus)
        {
            _app = app;
            _key = key;
            _throttleFirst = throttleFirst;
            _finalStatus = finalStatus;
        }

        public ConcurrentQueue<string> Violations { get; } = new();
        public ConcurrentQueue<SeenRequest> Requests { get; } = new();
        public Uri Address { get; private set; } = null!;

        public Dictionary<string, string?> Settings() => new()
        {
            ["Email:Transport"] = "acs",
            ["Email:From"] = "DoNotReply@example.azurecomm.net",
            ["Email:Acs:ConnectionString"] = $"endpoint={Address};accesskey={Convert.ToBase64String(_key)}",
            ["Email:Acs:PollInterval"] = "00:00:00.050",
            ["Email:Acs:MaxPollTime"] = "00:00:10",
        };

        public static async Task<FakeAcs> StartAsync(string accessKey, int throttleFirst, string finalStatus)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var server = new FakeAcs(app, Convert.FromBase64String(accessKey), throttleFirst, finalStatus);
            app.Run(server.HandleAsync);
            await app.StartAsync();
            server.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
            return server;
        }

        private async Task HandleAsync(HttpContext context)
        {
            var request = context.Request;
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            var body = buffer.ToArray();
            var target = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
            var operationId = request.Headers["Operation-Id"].ToString();
            Requests.Enqueue(new SeenRequest(request.Method, request.Path, operationId.Length == 0 ? null : operationId, body, DateTimeOffset.UtcNow));
            CheckSignature(request, target, body);

            if (request.Method == "POST" && request.Path == "/emails:send")
            {
                if (request.Query["api-version"] != "2025-09-01") Violations.Enqueue($"api-version was '{request.Query["api-version"]}'");
                if (!Guid.TryParse(operationId, out _)) Violations.Enqueue($"Operation-Id '{operationId}' is not a UUID");
                if (!request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) ?? true) Violations.Enqueue($"Content-Type was '{request.ContentType}'");
                CheckShape(body);
                if (Interlocked.Increment(ref _posts) <= _throttleFirst)
                {
                    context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                    context.Response.Headers.RetryAfter = "1";
                    await context.Response.WriteAsJsonAsync(new { error = new { code = "TooManyRequests", message = "Slow down." } });
                    return;
                }
                context.Response.StatusCode = StatusCodes.Status202Accepted;
                context.Response.Headers["Operation-Location"] = $"{Address}emails/operations/{operationId}?api-version=2025-09-01";
                await context.Response.WriteAsJsonAsync(new { id = operationId, status = "NotStarted" });
                return;
            }
            if (request.Method == "GET" && request.Path.StartsWithSegments("/emails/operations", out var rest))
            {
                var id = rest.Value!.Trim('/');
                var poll = _polls.AddOrUpdate(id, 1, (_, n) => n + 1);
                if (poll == 1)
                    await context.Response.WriteAsJsonAsync(new { id, status = "Running" });
                else if (_finalStatus == "Succeeded")
                    await context.Response.WriteAsJsonAsync(new { id, status = "Succeeded" });
                else
                    await context.Response.WriteAsJsonAsync(new { id, status = _finalStatus, error = new { code = "RecipientRejected", message = "The recipient was rejected." } });
                return;
            }
            Violations.Enqueue($"Unexpected {request.Method} {target}");
            context.Response.StatusCode = StatusCodes.Status404NotFound;
        }

        /// <summary>The documented recipe, computed here from scratch rather than with the code under test.</summary>
        private void CheckSignature(HttpRequest request, string pathAndQuery, byte[] body)
        {
            var date = request.Headers["x-ms-date"].ToString();
            if (!DateTimeOffset.TryParseExact(date, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var sent)
                || (DateTimeOffset.UtcNow - sent).Duration() > TimeSpan.FromMinutes(5))
                Violations.Enqueue($"x-ms-date '{date}' is not a current RFC 1123 date");
            var contentHash = Convert.ToBase64String(SHA256.HashData(body));
            if (request.Headers["x-ms-content-sha256"] != contentHash)
                Violations.Enqueue($"x-ms-content-sha256 '{request.Headers["x-ms-content-sha256"]}' is not the body's hash {contentHash}");
            var stringToSign = $"{request.Method}\n{pathAndQuery}\n{date};{request.Host.Value};{contentHash}";
            var expected = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature="
                + Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(stringToSign)));
            if (request.Headers.Authorization != expected)
                Violations.Enqueue($"{request.Method} {pathAndQuery}: Authorization '{request.Headers.Authorization}' is not '{expected}'");
        }

        private void CheckShape(byte[] body)
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                var root = document.RootElement;
                foreach (var required in new[] { "senderAddress", "recipients", "content" })
                    if (!root.TryGetProperty(required, out _)) Violations.Enqueue($"The body has no '{required}'");
                if (root.TryGetProperty("recipients", out var recipients) && !(recipients.TryGetProperty("to", out var to) && to.ValueKind == JsonValueKind.Array && to.GetArrayLength() > 0))
                    Violations.Enqueue("recipients.to is not a non-empty array");
                if (root.TryGetProperty("content", out var content) && !content.TryGetProperty("subject", out _))
                    Violations.Enqueue("content.subject is missing");
                foreach (var property in root.EnumerateObject())
                    if (property.Name is not ("senderAddress" or "recipients" or "content" or "attachments" or "headers" or "replyTo" or "userEngagementTrackingDisabled"))
                        Violations.Enqueue($"The body has an undocumented property '{property.Name}'");
                foreach (var property in root.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Null))
                    Violations.Enqueue($"'{property.Name}' is sent as null");
            }
            catch (JsonException e)
            {
                Violations.Enqueue("The body is not JSON: " + e.Message);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
