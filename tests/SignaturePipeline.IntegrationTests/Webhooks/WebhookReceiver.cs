using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SignaturePipeline.IntegrationTests.Webhooks;

/// <summary>
/// A real HTTP receiver on 127.0.0.1 (Kestrel, a free port): records every request, answers the statuses a test queues
/// (then 200), and keeps a store keyed by delivery id, as a receiver that ignores a delivery it already has.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public sealed record Request(string Event, string Delivery, string Timestamp, string Signature, byte[] Body, IHeaderDictionary Headers, int Answered)
    {
        public DateTime ArrivedAt { get; } = DateTime.UtcNow;
    }

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<int> _answers = new();

    public ConcurrentQueue<Request> Requests { get; } = new();
    public ConcurrentDictionary<string, byte[]> Store { get; } = new(StringComparer.Ordinal);
    public Uri Url { get; }

    private WebhookReceiver(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>Starts on a free port, or on <paramref name="port"/> (a receiver coming back where it was).</summary>
    public static async Task<WebhookReceiver> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        WebhookReceiver? receiver = null;
        app.MapPost("/hook", async (HttpRequest request, HttpResponse response) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            var status = receiver!._answers.TryDequeue(out var queued) ? queued : 200;
            var delivery = request.Headers["X-Signature-Delivery"].ToString();
            receiver.Requests.Enqueue(new Request(request.Headers["X-Signature-Event"].ToString(), delivery,
                request.Headers["X-Signature-Timestamp"].ToString(), request.Headers["X-Signature-256"].ToString(), buffer.ToArray(),
                new HeaderDictionary(request.Headers.ToDictionary(h => h.Key, h => h.Value)), status));
            if (status is >= 200 and < 300) receiver.Store.TryAdd(delivery, buffer.ToArray());
            // A throttling receiver says when to come back; a redirecting one says where (which must not be followed).
            if (status == 429) response.Headers.RetryAfter = "1";
            if (status is >= 300 and < 400) response.Headers.Location = "http://127.0.0.1:9/elsewhere";
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver = new WebhookReceiver(app, new Uri(new Uri(address), "/hook"));
        return receiver;
    }

    /// <summary>The next requests get these statuses, in order; then 200 again.</summary>
    public void AnswerNext(params int[] statuses)
    {
        foreach (var status in statuses) _answers.Enqueue(status);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
