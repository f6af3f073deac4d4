using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.Intake;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Petitions;
using SignaturePipeline.Receipts;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;
using SignaturePipeline.Storage;
using SignaturePipeline.Webhooks;

namespace SignaturePipeline.IntegrationTests.Webhooks;

/// <summary>
/// The production registration against Azurite, with webhooks let in to loopback, no safety margin and quick retries;
/// the queue is pumped by the test, through the same <see cref="WebhookSender"/> the queue functions call.
/// </summary>
public sealed class WebhookHarness(ServiceProvider services, ShiftableClock clock) : IAsyncDisposable
{
    public const string Secret = "webhook-test-secret-0123456789";

    public ServiceProvider Services { get; } = services;
    public ShiftableClock Clock { get; } = clock;
    private readonly HashSet<string> _petitions = new(StringComparer.Ordinal);

    public static async Task<WebhookHarness> StartAsync(AzuriteFixture azurite, IDictionary<string, string?>? overrides = null,
        Action<IServiceCollection>? configure = null)
    {
        var clock = new ShiftableClock();
        var settings = new Dictionary<string, string?>
        {
            ["Webhooks:AllowLoopback"] = "true",
            ["Webhooks:SafetyMarginSeconds"] = "0",
            ["Webhooks:FirstRetrySeconds"] = "0.05",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) settings[key] = value;
        var services = await azurite.BuildServicesAsync(settings, s =>
        {
            s.AddSingleton<TimeProvider>(clock);
            configure?.Invoke(s);
        });
        return new WebhookHarness(services, clock);
    }

    /// <summary>A petition (counting at once) with one webhook to <paramref name="url"/>.</summary>
    public async Task<string> PetitionAsync(Uri url, string format = "json", bool batch = false, string[]? events = null,
        Dictionary<string, string?>? headers = null, int[]? milestones = null)
    {
        var id = AzuriteFixture.NewPetitionId("wh");
        var definition = AzuriteFixture.Definition("Webhook test petition") with
        {
            RequireConfirmation = false,
            Milestones = milestones is null ? null : [.. milestones],
            Webhooks = [new WebhookDefinition
            {
                Url = url.AbsoluteUri, Secret = Secret, Format = format, Batch = batch, Headers = headers,
                Events = [.. events ?? [WebhookEvents.SignatureCounted, WebhookEvents.SignatureRemoved]],
            }],
        };
        var saved = Assert.IsType<SavePetitionResult.Saved>(await Services.GetRequiredService<PetitionHandlers>().SaveAsync(id, definition, CancellationToken.None));
        Assert.Single(saved.Petition.Webhooks);
        _petitions.Add(id);
        return id;
    }

    public static string EmailOf(string petitionId, int i) => $"signer{i}.{petitionId}@signers.example.net";

    /// <summary>Signs through the queue processor; signers whose number is in <paramref name="optedIn"/> opt in.</summary>
    public Task SignAsync(string petitionId, int count, int first = 0, params int[] optedIn) => SignAsync(petitionId, count, first, optedIn, shape: null);

    /// <summary>As above, with each signer's input shaped by <paramref name="shape"/> (its number, the input).</summary>
    public async Task SignAsync(string petitionId, int count, int first, int[] optedIn, Func<int, SignatureInput, SignatureInput>? shape)
    {
        var hmac = Services.GetRequiredService<Hmac>();
        var batch = ReceiptId.NewBatch();
        var items = Enumerable.Range(first, count).Select(i => new QueuedSignature(
            ReceiptId.Create(hmac, batch, i - first).Value, petitionId, Clock.GetUtcNow(),
            new SignatureInput
            {
                FirstName = "Signer",
                LastName = "Number" + i.ToString(CultureInfo.InvariantCulture),
                Email = EmailOf(petitionId, i),
                PostalCode = "10001",
                State = "NY",
                City = "New York",
                Comment = "Comment " + i.ToString(CultureInfo.InvariantCulture),
                OptIn = optedIn.Contains(i),
            } is var input && shape is not null ? shape(i, input) : input)).ToList();
        var summary = await Services.GetRequiredService<SignatureProcessor>()
            .ProcessAsync(new SignatureMessage(SignatureMessage.CurrentSchema, items).Serialize(), Guid.NewGuid().ToString(), 1, CancellationToken.None);
        Assert.Equal(count, summary.Counted);
    }

    public Task<WebhookDispatchSummary> DispatchAsync() => Services.GetRequiredService<WebhookDispatcher>().RunAsync(CancellationToken.None);

    /// <summary>
    /// Runs the <c>webhooks</c> queue as the queue trigger does (receive, process, delete) until <paramref name="done"/>
    /// holds or the time is up; messages a retry delayed are picked up when they become visible.
    /// </summary>
    public async Task PumpUntilAsync(Func<bool> done, TimeSpan? timeout = null)
    {
        var queue = Services.GetRequiredService<QueueServiceClient>().GetQueueClient(QueueNames.Webhooks);
        var sender = Services.GetRequiredService<WebhookSender>();
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!done())
        {
            Assert.True(DateTime.UtcNow < until, "The webhook queue did not get there in time.");
            var messages = (await queue.ReceiveMessagesAsync(16, TimeSpan.FromMinutes(1))).Value;
            if (messages.Length == 0) await Task.Delay(50);
            foreach (var message in messages)
            {
                // The queue is shared by the tests of this Azurite: an earlier test's leftovers are not this test's to send.
                if (_petitions.Contains(WebhookMessage.Parse(message.MessageText).PetitionId))
                    await sender.ProcessAsync(message.MessageText, CancellationToken.None);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }
        }
    }

    /// <summary>Processes every message visible now, and those that become visible within <paramref name="quiet"/>.</summary>
    public Task DrainAsync(TimeSpan quiet)
    {
        var end = DateTime.UtcNow + quiet;
        return PumpUntilAsync(() => DateTime.UtcNow > end, quiet + TimeSpan.FromSeconds(10));
    }

    /// <summary>The README's verification: HMAC-SHA256 of "{timestamp}.{body}", compared in constant time, within a tolerance.</summary>
    public static bool Verifies(string secret, WebhookReceiver.Request request, TimeSpan tolerance)
    {
        if (!long.TryParse(request.Timestamp, out var seconds)) return false;
        if ((DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > tolerance) return false;
        var signed = Encoding.UTF8.GetBytes(request.Timestamp + ".").Concat(request.Body).ToArray();
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(request.Signature));
    }

    public async ValueTask DisposeAsync() => await Services.DisposeAsync();
}
