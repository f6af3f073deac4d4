using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.Confirmation;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Signatures;
using static SignaturePipeline.IntegrationTests.Infrastructure.PipelineClient;

namespace SignaturePipeline.IntegrationTests.Abuse;

/// <summary>Rate limits, honeypots, disposable domains, captcha and the organizers' review, on a real host with loopback not exempt.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class FloodTests(AzuriteFixture azurite)
{
    private static readonly Dictionary<string, string?> Strict = new()
    {
        ["Abuse:LoopbackExempt"] = "false",
        ["Abuse:TrustForwardedFor"] = "true",
        ["Abuse:PerIpBurst"] = "3",
        ["Abuse:PerIpPerHour"] = "10",
    };

    private static async Task<string> PostFromAsync(HttpClient client, string petition, string ip, object signer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/petitions/{petition}/signatures") { Content = JsonContent.Create(signer) };
        request.Headers.Add("X-Forwarded-For", ip);
        var response = await client.SendAsync(request);
        // Held or not, every signature gets the same answer.
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("pending", body.GetProperty("status").GetString());
        return body.GetProperty("receiptId").GetString()!;
    }

    private static async Task ConfirmAllAsync(AbuseHost h, string petition, string address)
    {
        foreach (var (message, _) in h.MailTo(address))
            await h.PostTokenAsync(petition, "confirm", AbuseHost.TokenIn(message, "confirm"));
    }

    [Fact]
    public async Task A_bot_flood_and_an_alias_signing_spree_leave_the_count_equal_to_the_real_confirmed_unique_signers()
    {
        await using var h = await AbuseHost.StartAsync(azurite, Strict);
        var petition = await h.ConfirmingPetitionAsync();
        var receipts = new List<string>();

        // Six real people from their own networks; five of them confirm.
        var real = Enumerable.Range(1, 6).Select(i => $"person{i}@example.org").ToList();
        for (var i = 0; i < real.Count; i++) receipts.Add(await PostFromAsync(h.Client, petition, $"198.51.100.{i + 1}", Signer(real[i])));
        // One person signs ten times through Gmail aliases, from home.
        // Each alias is processed before the next is posted: otherwise a later, rate-flagged alias can reach the store
        // first and hold the person's only row, which is correct behaviour but not the count this test asserts.
        for (var i = 0; i < 10; i++)
        {
            receipts.Add(await PostFromAsync(h.Client, petition, "198.51.100.77", Signer(i % 2 == 0 ? $"a.l.i.a.s+{i}@gmail.com" : $"ALIAS+{i}@googlemail.com")));
            await WaitForFinalAsync(h.Client, receipts[^1]);
        }
        // A bot floods from one address with mailboxes it owns, and confirms every email it gets.
        for (var i = 0; i < 40; i++) receipts.Add(await PostFromAsync(h.Client, petition, "203.0.113.66", Signer($"bot{i}@botfarm.example")));
        // Another fills the honeypot; another uses throwaway mailboxes from many addresses.
        for (var i = 0; i < 10; i++) receipts.Add(await PostFromAsync(h.Client, petition, $"192.0.2.{i + 1}", new { firstName = "Bot", lastName = "Pot", email = $"pot{i}@potbots.example", postalCode = "10001", state = "NY", website = "http://spam.example" }));
        for (var i = 0; i < 5; i++) receipts.Add(await PostFromAsync(h.Client, petition, $"192.0.2.{100 + i}", Signer($"burner{i}@mailinator.com")));

        foreach (var receipt in receipts)
            Assert.Equal("pending_confirmation", (await WaitForFinalAsync(h.Client, receipt)).GetProperty("status").GetString());
        // Held signatures get no email: 6 real + 1 alias confirmation + 1 "already signed" note (the two other aliases under
        // the burst limit are within its 24 hours; the rest are held) + the 3 flood posts under the burst limit. None to
        // the 37 held flood posts, the honeypot hits or the throwaway mailboxes.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (h.MailFor(receipts).Count < 11 && DateTime.UtcNow < deadline) await Task.Delay(100);
        // The sweep finds nothing more for them (it may send other tests' leftovers, which are not counted here).
        h.Clock.Offset += TimeSpan.FromMinutes(5);
        await h.Host.Services.GetRequiredService<SignerMailer>().SweepAsync(CancellationToken.None);
        Assert.True(h.MailFor(receipts).Count == 11, string.Join("\n", h.MailFor(receipts).GroupBy(m => m.Message.To.ToString()).Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Key))}")));

        foreach (var address in real.Take(5)) await ConfirmAllAsync(h, petition, address);
        foreach (var address in h.Mail.Sent.SelectMany(m => m.Message.To.Mailboxes.Select(b => b.Address)).Distinct().ToList())
            if (address.Contains("alias", StringComparison.Ordinal) || address.EndsWith("@botfarm.example", StringComparison.Ordinal) || address.EndsWith("@mailinator.com", StringComparison.Ordinal))
                await ConfirmAllAsync(h, petition, address);
        Assert.DoesNotContain(h.Mail.Sent, m => m.Message.To.Mailboxes.Any(b => b.Address.EndsWith("@potbots.example", StringComparison.Ordinal)));

        // The flood's first three slipped under the burst limit and were confirmed by the bot: a rule catches them.
        var held = await h.Admin.GetFromJsonAsync<JsonElement>($"/api/admin/petitions/{petition}/held?limit=1000");
        Assert.Equal(37 + 10 + 5, held.GetArrayLength());
        Assert.Equal(5 + 1 + 3, await h.CountAsync(petition));
        var rule = await h.AdminPostAsync($"/api/admin/petitions/{petition}/invalidate", new { domain = "botfarm.example", reason = "Bot flood from one network", dryRun = false });
        Assert.Equal(40, rule.GetProperty("changed").GetInt32());
        Assert.Equal(-3, rule.GetProperty("countDelta").GetInt64());
        await h.AdminPostAsync($"/api/admin/petitions/{petition}/held/invalidate", new { all = true, reason = "Reviewed: bots" });

        var store = h.Host.Services.GetRequiredService<SignatureStore>();
        Assert.Equal(5 + 1, await h.CountAsync(petition));
        Assert.Equal(5 + 1, (await store.RecountAsync(petition, CancellationToken.None)).Total);
    }

    [Fact]
    public async Task Held_signatures_released_by_an_organizer_count_exactly_once()
    {
        await using var h = await AbuseHost.StartAsync(azurite, Strict);
        var petition = await CreatePetitionAsync(h.Host);
        var receipts = new List<string>();
        for (var i = 0; i < 6; i++) receipts.Add(await PostFromAsync(h.Client, petition, "198.51.100.200", Signer($"office{i}@example.org")));
        foreach (var r in receipts) Assert.Equal("counted", (await WaitForFinalAsync(h.Client, r)).GetProperty("status").GetString());
        Assert.Equal(3, await h.CountAsync(petition));

        var held = await h.Admin.GetFromJsonAsync<JsonElement>($"/api/admin/petitions/{petition}/held");
        Assert.Equal(3, held.GetArrayLength());
        Assert.All(held.EnumerateArray(), e => Assert.Equal("rate_ip_burst", e.GetProperty("flag").GetString()));
        Assert.All(held.EnumerateArray(), e => Assert.Equal(32, e.GetProperty("ipHash").GetString()!.Length));
        Assert.DoesNotContain("198.51.100.200", held.GetRawText(), StringComparison.Ordinal);

        var ids = held.EnumerateArray().Select(e => e.GetProperty("id").GetString()).ToList();
        var first = await h.AdminPostAsync($"/api/admin/petitions/{petition}/held/release", new { ids });
        Assert.Equal(3, first.GetProperty("countDelta").GetInt64());
        var second = await h.AdminPostAsync($"/api/admin/petitions/{petition}/held/release", new { ids });
        Assert.Equal(0, second.GetProperty("countDelta").GetInt64());
        Assert.Equal(6, await h.CountAsync(petition));
    }

    [Fact]
    public async Task Invalidation_by_ip_hash_and_time_window_reports_what_changed_and_moves_the_count_exactly()
    {
        await using var h = await AbuseHost.StartAsync(azurite);
        var petition = await CreatePetitionAsync(h.Host);
        for (var i = 0; i < 4; i++) await WaitForFinalAsync(h.Client, await SignAsync(h.Client, petition, Signer($"w{i}@example.org")));
        var guard = h.Host.Services.GetRequiredService<SignaturePipeline.Abuse.AbuseGuard>();
        var loopback = guard.IpHash(IPAddress.Loopback)!;

        var dry = await h.AdminPostAsync($"/api/admin/petitions/{petition}/invalidate", new { ipHash = loopback, reason = "test", dryRun = true });
        Assert.Equal(4, dry.GetProperty("matched").GetInt32());
        Assert.Equal(4, await h.CountAsync(petition));
        var future = await h.AdminPostAsync($"/api/admin/petitions/{petition}/invalidate", new { ipHash = loopback, from = DateTimeOffset.UtcNow.AddHours(1), reason = "nothing then" });
        Assert.Equal(0, future.GetProperty("matched").GetInt32());
        var done = await h.AdminPostAsync($"/api/admin/petitions/{petition}/invalidate", new { ipHash = loopback, reason = "Signed from the test rig", dryRun = false });
        Assert.Equal(4, done.GetProperty("changed").GetInt32());
        Assert.Equal(-4, done.GetProperty("countDelta").GetInt64());
        Assert.Equal(4, done.GetProperty("changedFrom").GetProperty("counted").GetInt32());
        Assert.Equal(0, await h.CountAsync(petition));
        await h.AdminPostAsync($"/api/admin/petitions/{petition}/invalidate", new { reason = "no rule" }, HttpStatusCode.BadRequest);
    }
}
