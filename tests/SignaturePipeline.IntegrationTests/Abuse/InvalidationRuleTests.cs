using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.Abuse;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Signatures;
using static SignaturePipeline.IntegrationTests.Infrastructure.PipelineClient;

namespace SignaturePipeline.IntegrationTests.Abuse;

/// <summary>Invalidation by rule: what a rule may match, that it runs only when asked to, and that it can be undone exactly.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class InvalidationRuleTests(AzuriteFixture azurite)
{
    private static async Task SignAllAsync(AbuseHost h, string petition, params string[] emails)
    {
        foreach (var email in emails)
            Assert.Equal("counted", (await WaitForFinalAsync(h.Client, await SignAsync(h.Client, petition, Signer(email)))).GetProperty("status").GetString());
    }

    private static Task<JsonElement> RuleAsync(AbuseHost h, string petition, object rule, HttpStatusCode expected = HttpStatusCode.OK) =>
        h.AdminPostAsync($"/api/admin/petitions/{petition}/invalidate", rule, expected);

    private static Task<JsonElement> RevertAsync(AbuseHost h, string petition, string id, HttpStatusCode expected = HttpStatusCode.OK) =>
        h.AdminPostAsync($"/api/admin/petitions/{petition}/invalidations/{id}/revert", new { }, expected);

    [Fact]
    public async Task A_rule_changes_nothing_unless_it_says_dryRun_false_and_answers_what_it_would_change()
    {
        await using var h = await AbuseHost.StartAsync(azurite);
        var petition = await CreatePetitionAsync(h.Host);
        await SignAllAsync(h, petition, "a@bots.example", "b@bots.example", "c@people.example");

        var dry = await RuleAsync(h, petition, new { domain = "bots.example", reason = "Looks like bots" });
        Assert.True(dry.GetProperty("dryRun").GetBoolean());
        Assert.Equal(2, dry.GetProperty("matched").GetInt32());
        Assert.Equal(2, dry.GetProperty("changed").GetInt32());
        Assert.Equal(-2, dry.GetProperty("countDelta").GetInt64());
        Assert.False(dry.TryGetProperty("invalidationId", out _));
        Assert.Equal(3, await h.CountAsync(petition));

        var real = await RuleAsync(h, petition, new { domain = "bots.example", reason = "Looks like bots", dryRun = false });
        Assert.False(real.GetProperty("dryRun").GetBoolean());
        Assert.Equal(-2, real.GetProperty("countDelta").GetInt64());
        Assert.True(InvalidationLog.IsId(real.GetProperty("invalidationId").GetString()));
        Assert.Equal(1, await h.CountAsync(petition));
    }

    [Fact]
    public async Task A_domain_matches_exactly_and_only_an_explicit_wildcard_reaches_its_subdomains()
    {
        await using var h = await AbuseHost.StartAsync(azurite);
        var petition = await CreatePetitionAsync(h.Host);
        await SignAllAsync(h, petition, "a@botfarm.example", "b@mail.botfarm.example", "c@notbotfarm.example", "d@other.example");

        Assert.Equal(1, (await RuleAsync(h, petition, new { domain = "botfarm.example", reason = "r" })).GetProperty("matched").GetInt32());
        Assert.Equal(1, (await RuleAsync(h, petition, new { domain = "@BotFarm.example", reason = "r" })).GetProperty("matched").GetInt32());
        Assert.Equal(1, (await RuleAsync(h, petition, new { domain = "*.botfarm.example", reason = "r" })).GetProperty("matched").GetInt32());
        foreach (var suffix in new[] { "example", "*.example", "com", "*", "bot*.example" })
        {
            var refused = await RuleAsync(h, petition, new { domain = suffix, reason = "r", dryRun = false }, HttpStatusCode.BadRequest);
            Assert.Equal("domain_invalid", refused.GetProperty("errors")[0].GetProperty("code").GetString());
        }
        Assert.Equal(4, await h.CountAsync(petition));
    }

    [Fact]
    public async Task A_rule_that_names_only_a_time_window_is_refused()
    {
        await using var h = await AbuseHost.StartAsync(azurite);
        var petition = await CreatePetitionAsync(h.Host);
        await SignAllAsync(h, petition, "a@people.example");

        var refused = await RuleAsync(h, petition, new { from = DateTimeOffset.UtcNow.AddHours(-1), to = DateTimeOffset.UtcNow.AddHours(1), reason = "a bad hour", dryRun = false },
            HttpStatusCode.BadRequest);
        Assert.Equal("rule_required", refused.GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.Equal(1, await h.CountAsync(petition));
    }

    [Fact]
    public async Task Reverting_a_rule_restores_exactly_the_rows_it_changed_counts_included_and_only_once()
    {
        await using var h = await AbuseHost.StartAsync(azurite);
        var petition = await CreatePetitionAsync(h.Host);
        await SignAllAsync(h, petition, "a@bots.example", "b@bots.example", "c@bots.example", "d@people.example", "e@people.example");
        var loopback = h.Host.Services.GetRequiredService<AbuseGuard>().IpHash(IPAddress.Loopback)!;
        var store = h.Host.Services.GetRequiredService<SignatureStore>();

        // Two overlapping rules: the second changes only what the first left counted.
        var bots = await RuleAsync(h, petition, new { domain = "bots.example", reason = "Bots", dryRun = false });
        var rig = await RuleAsync(h, petition, new { ipHash = loopback, reason = "Test rig", dryRun = false });
        Assert.Equal(5, rig.GetProperty("matched").GetInt32());
        Assert.Equal(2, rig.GetProperty("changed").GetInt32());
        Assert.Equal(0, await h.CountAsync(petition));

        var undone = await RevertAsync(h, petition, bots.GetProperty("invalidationId").GetString()!);
        Assert.Equal(3, undone.GetProperty("changed").GetInt32());
        Assert.Equal(3, undone.GetProperty("countDelta").GetInt64());
        Assert.Equal(3, undone.GetProperty("changedFrom").GetProperty("invalidated").GetInt32());
        Assert.Equal(3, await h.CountAsync(petition));
        var again = await RevertAsync(h, petition, bots.GetProperty("invalidationId").GetString()!);
        Assert.Equal(0, again.GetProperty("changed").GetInt32());
        Assert.Equal(3, await h.CountAsync(petition));

        // A signer erased meanwhile stays erased: the revert restores only rows the rule still holds.
        await h.AdminPostAsync($"/api/admin/petitions/{petition}/erase", new { email = "d@people.example" });
        var second = await RevertAsync(h, petition, rig.GetProperty("invalidationId").GetString()!);
        Assert.Equal(1, second.GetProperty("changed").GetInt32());
        Assert.Equal(4, await h.CountAsync(petition));
        Assert.Equal(4, (await store.RecountAsync(petition, CancellationToken.None)).Total);
        var rows = new List<SignatureRow>();
        await foreach (var row in store.QueryRowsAsync(petition, CancellationToken.None)) rows.Add(row);
        Assert.Equal(4, rows.Count(r => r.Status == SignatureRowStatus.Counted));
        Assert.All(rows.Where(r => r.Status == SignatureRowStatus.Counted), r => Assert.Null(r.InvalidationId));

        await RevertAsync(h, petition, "inv-20260101000000-00000000", HttpStatusCode.NotFound);
        await RevertAsync(h, petition, "not-an-id", HttpStatusCode.NotFound);
    }
}
