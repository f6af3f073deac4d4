using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.Email;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Petitions;

namespace SignaturePipeline.IntegrationTests.Abuse;

/// <summary>A real host on Azurite with a recording email transport and a shiftable clock, and what a signer's mailbox does with it.</summary>
public sealed partial class AbuseHost : IAsyncDisposable
{
    public RunningHost Host { get; private init; } = null!;
    public RecordingEmailTransport Mail { get; } = new();
    public ShiftableClock Clock { get; } = new();
    public HttpClient Client { get; private init; } = null!;
    public HttpClient Admin { get; private init; } = null!;

    public static async Task<AbuseHost> StartAsync(AzuriteFixture azurite, IDictionary<string, string?>? overrides = null)
    {
        var mail = new RecordingEmailTransport();
        var clock = new ShiftableClock();
        var host = await azurite.StartHostAsync(overrides, s =>
        {
            s.AddSingleton<IEmailTransport>(mail);
            s.AddSingleton<TimeProvider>(clock);
        });
        return new AbuseHost(mail, clock) { Host = host, Client = host.CreateClient(), Admin = host.CreateClient(AzuriteFixture.AdminKey) };
    }

    private AbuseHost(RecordingEmailTransport mail, ShiftableClock clock)
    {
        Mail = mail;
        Clock = clock;
    }

    /// <summary>A new petition created through PUT without saying anything about confirmation: the default (on) applies.</summary>
    public Task<string> ConfirmingPetitionAsync() =>
        PipelineClient.CreatePetitionAsync(Host, AzuriteFixture.Definition() with { RequireConfirmation = null });

    public IReadOnlyList<(MimeKit.MimeMessage Message, string Key)> MailTo(string address) =>
        Mail.Sent.Where(m => m.Message.To.Mailboxes.Any(b => b.Address == address)).ToList();

    /// <summary>
    /// The signer emails caused by these receipts (keys <c>{kind}:{receipt}</c>, or <c>{receipt}_…</c> for a later one):
    /// a sweep run by a test may also send what other tests left in the shared Azurite.
    /// </summary>
    public IReadOnlyList<(MimeKit.MimeMessage Message, string Key)> MailFor(IEnumerable<string> receipts)
    {
        var ours = receipts.ToHashSet(StringComparer.Ordinal);
        return Mail.Sent.Where(m => m.Key.Split(':') is [_, var key] && ours.Contains(key.Split('_')[0])).ToList();
    }

    public static string TokenIn(MimeKit.MimeMessage message, string action) =>
        Regex.Match(message.TextBody ?? "", $@"/{action}\?token=([a-z0-9.\-]+)").Groups[1].Value is { Length: > 0 } token ? token
            : throw new InvalidOperationException($"No {action} link in: {message.TextBody}");

    /// <summary>Waits until the address received <paramref name="count"/> emails (the processor sends after its commit).</summary>
    public async Task<IReadOnlyList<(MimeKit.MimeMessage Message, string Key)>> WaitForMailAsync(string address, int count = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (MailTo(address).Count < count)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{address} got {MailTo(address).Count} emails, not {count}.");
            await Task.Delay(100);
        }
        return MailTo(address);
    }

    public async Task<HttpResponseMessage> PostTokenAsync(string petitionId, string path, string token) =>
        await Client.PostAsync($"/petitions/{petitionId}/{path}", new FormUrlEncodedContent([new("token", token)]));

    public async Task<long> CountAsync(string petitionId) =>
        (await PipelineClient.GetPetitionAsync(Client, petitionId)).GetProperty("signatureCount").GetInt64();

    public async Task<JsonElement> AdminPostAsync(string path, object body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await Admin.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Admin.Dispose();
        await Host.DisposeAsync();
    }
}
