using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.IntegrationTests.Abuse;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;
using SignaturePipeline.Storage;
using static SignaturePipeline.IntegrationTests.Infrastructure.PipelineClient;

namespace SignaturePipeline.IntegrationTests.Sources;

/// <summary>
/// Where signatures come from: the source, utm values and referrer travel with a signature into its row, are counted
/// exactly (only counted signatures, and out again when a signature stops counting), and the share links a signer is
/// offered carry the code that a signature through them counts for.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed partial class SourceTests(AzuriteFixture azurite)
{
    private static object From(string email, string? source = null, string? referrer = null, string? utmSource = null, string? utmMedium = null,
        string? utmCampaign = null, string zip = "10001") =>
        new { firstName = "Ana", lastName = "García", email, postalCode = zip, state = "NY", source, referrer, utm_source = utmSource, utm_medium = utmMedium, utm_campaign = utmCampaign };

    /// <summary>Signs and waits for the outcome; answers the receipt's status and the signer's referral code.</summary>
    private static async Task<(string Status, string Code, string Receipt)> SignFromAsync(HttpClient client, string petition, object body)
    {
        var response = await client.PostAsJsonAsync($"/api/petitions/{petition}/signatures", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, text);
        var answer = JsonDocument.Parse(text).RootElement;
        var receipt = answer.GetProperty("receiptId").GetString()!;
        var status = (await WaitForFinalAsync(client, receipt)).GetProperty("status").GetString()!;
        return (status, answer.GetProperty("referralCode").GetString()!, receipt);
    }

    private static async Task<JsonElement> SourcesAsync(AbuseHost h, string petition)
    {
        var response = await h.Admin.GetAsync($"/api/admin/petitions/{petition}/sources");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static Dictionary<string, long> Map(JsonElement element) =>
        element.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());

    /// <summary>The counts the admin route shows equal a recount of the rows, kind by kind.</summary>
    private static async Task AssertCountsEqualRecountAsync(AbuseHost h, string petition)
    {
        var store = h.Host.Services.GetRequiredService<SignatureStore>();
        var counted = await store.GetSourceCountsAsync(petition, CancellationToken.None);
        var recounted = await store.RecountSourcesAsync(petition, CancellationToken.None);
        Assert.Equal(recounted.BySource, counted.BySource);
        Assert.Equal(recounted.ByUtmSource, counted.ByUtmSource);
        Assert.Equal(recounted.ByUtmMedium, counted.ByUtmMedium);
        Assert.Equal(recounted.ByUtmCampaign, counted.ByUtmCampaign);
        Assert.Equal(recounted.ByReferrer, counted.ByReferrer);
    }

    [Fact]
    public async Task A_signature_keeps_its_source_utm_values_and_referrer_on_its_row_normalized()
    {
        await using var h = await AbuseHost.StartAsync(azurite);
        var petition = await CreatePetitionAsync(h.Host);
        var (_, code, _) = await SignFromAsync(h.Client, petition, From("sharer@example.org"));

        Assert.Equal("counted", (await SignFromAsync(h.Client, petition,
            From("friend@example.org", source: " NDLON-Email ", referrer: code.ToUpperInvariant(), utmSource: "Facebook", utmMedium: "social", utmCampaign: "Spring Push"))).Status);

        var store = h.Host.Services.GetRequiredService<SignatureStore>();
        var (shard, rowKey) = store.KeyOf(petition, "friend@example.org");
        var row = await store.GetRowAsync(petition, shard, rowKey, CancellationToken.None);
        Assert.Equal(new SignatureSources { Source = "ndlon-email", UtmSource = "facebook", UtmMedium = "social", UtmCampaign = "spring-push", Referrer = code }, row!.Sources);
        // Never in a key: the row key is the HMAC of petition and email alone, as for a signature without sources.
        Assert.DoesNotContain("ndlon", row.RowKey, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Counts_by_source_and_referrer_are_exact_and_leave_out_duplicates_and_rejections()
    {
        await using var h = await AbuseHost.StartAsync(azurite);
        var petition = await CreatePetitionAsync(h.Host);
        var (_, code, _) = await SignFromAsync(h.Client, petition, From("sharer@example.org", source: "ndlon-email"));

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => SignFromAsync(h.Client, petition,
            From($"s{i}@example.org", source: i % 3 == 0 ? "fb-ad-2" : "ndlon-email", referrer: i < 5 ? code : null, utmCampaign: "week-1"))));
        Assert.All(results, r => Assert.Equal("counted", r.Status));
        // The same people again (another alias, another source and referrer), and signatures that break a rule: none counts.
        Assert.Equal("duplicate", (await SignFromAsync(h.Client, petition, From("S1@Example.org", source: "fb-ad-2", referrer: code))).Status);
        Assert.Equal("duplicate", (await SignFromAsync(h.Client, petition, From("s2@example.org", source: "partner-x", referrer: code))).Status);
        var rejected = await h.Client.PostAsJsonAsync($"/api/petitions/{petition}/signatures", From("bad@example.org", source: "partner-x", referrer: code, zip: "90210"));
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);

        var sources = await SourcesAsync(h, petition);
        Assert.Equal(new Dictionary<string, long> { ["fb-ad-2"] = 4, ["ndlon-email"] = 9 }, Map(sources.GetProperty("bySource")));
        Assert.Equal(new Dictionary<string, long> { ["week-1"] = 12 }, Map(sources.GetProperty("byUtm").GetProperty("campaign")));
        Assert.Equal(new Dictionary<string, long> { [code] = 5 }, Map(sources.GetProperty("byReferrer")));
        var top = Assert.Single(sources.GetProperty("topReferrers").EnumerateArray());
        Assert.Equal(code, top.GetProperty("referrer").GetString());
        Assert.Equal(5, top.GetProperty("count").GetInt64());
        await AssertCountsEqualRecountAsync(h, petition);
    }

    [Fact]
    public async Task Removal_and_invalidation_take_a_signature_out_of_its_counts_and_a_revert_puts_it_back()
    {
        await using var h = await AbuseHost.StartAsync(azurite);
        var petition = await CreatePetitionAsync(h.Host);
        var (_, code, _) = await SignFromAsync(h.Client, petition, From("sharer@example.org"));
        foreach (var email in new[] { "a@people.example", "b@people.example", "c@bots.example", "d@bots.example" })
            Assert.Equal("counted", (await SignFromAsync(h.Client, petition, From(email, source: "fb-ad-2", referrer: code, utmSource: "facebook"))).Status);

        await h.AdminPostAsync($"/api/admin/petitions/{petition}/erase", new { email = "a@people.example" });
        var rule = await h.AdminPostAsync($"/api/admin/petitions/{petition}/invalidate", new { domain = "bots.example", reason = "bots", dryRun = false });
        var sources = await SourcesAsync(h, petition);
        Assert.Equal(1, sources.GetProperty("bySource").GetProperty("fb-ad-2").GetInt64());
        Assert.Equal(1, sources.GetProperty("byUtm").GetProperty("source").GetProperty("facebook").GetInt64());
        Assert.Equal(1, sources.GetProperty("byReferrer").GetProperty(code).GetInt64());
        await AssertCountsEqualRecountAsync(h, petition);

        await h.AdminPostAsync($"/api/admin/petitions/{petition}/invalidations/{rule.GetProperty("invalidationId").GetString()}/revert", new { });
        sources = await SourcesAsync(h, petition);
        Assert.Equal(3, sources.GetProperty("bySource").GetProperty("fb-ad-2").GetInt64());
        Assert.Equal(3, sources.GetProperty("byReferrer").GetProperty(code).GetInt64());
        await AssertCountsEqualRecountAsync(h, petition);
    }

    [Fact]
    public async Task On_a_confirmation_petition_a_signature_counts_for_its_source_when_its_signer_confirms()
    {
        await using var h = await AbuseHost.StartAsync(azurite);
        var petition = await h.ConfirmingPetitionAsync();
        Assert.Equal("pending_confirmation", (await SignFromAsync(h.Client, petition, From("confirm.me@example.org", source: "ndlon-email"))).Status);
        Assert.Empty((await SourcesAsync(h, petition)).GetProperty("bySource").EnumerateObject());

        var mail = await h.WaitForMailAsync("confirm.me@example.org");
        var response = await h.PostTokenAsync(petition, "confirm", AbuseHost.TokenIn(mail[0].Message, "confirm"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, (await SourcesAsync(h, petition)).GetProperty("bySource").GetProperty("ndlon-email").GetInt64());
        await AssertCountsEqualRecountAsync(h, petition);
    }

    [Fact]
    public async Task The_recount_repairs_counts_by_source_and_referrer_that_drifted()
    {
        await using var h = await AbuseHost.StartAsync(azurite);
        var petition = await CreatePetitionAsync(h.Host);
        var (_, code, _) = await SignFromAsync(h.Client, petition, From("sharer@example.org"));
        Assert.Equal("counted", (await SignFromAsync(h.Client, petition, From("friend@example.org", source: "ndlon-email", referrer: code))).Status);

        // Drift the sources row and the referrer row of the friend's shard by hand, as only a bug could.
        var store = h.Host.Services.GetRequiredService<SignatureStore>();
        var table = h.Host.Services.GetRequiredService<TableServiceClient>().GetTableClient(TableNames.Signatures);
        var pk = SignatureStore.PartitionKeyOf(petition, store.KeyOf(petition, "friend@example.org").Shard);
        await table.UpsertEntityAsync(new TableEntity(pk, SignatureStore.SourcesRowKey) { ["Src_ndlon_hemail"] = 7L, ["Src_ghost"] = 2L }, TableUpdateMode.Replace);
        await table.UpsertEntityAsync(new TableEntity(pk, SignatureStore.ReferrerRowPrefix + code) { [SignatureStore.ReferrerCountProperty] = 9L }, TableUpdateMode.Replace);
        Assert.Equal(7, (await SourcesAsync(h, petition)).GetProperty("bySource").GetProperty("ndlon-email").GetInt64());

        await h.AdminPostAsync($"/api/admin/petitions/{petition}/recount", new { });
        var sources = await SourcesAsync(h, petition);
        Assert.Equal(new Dictionary<string, long> { ["ndlon-email"] = 1 }, Map(sources.GetProperty("bySource")));
        Assert.Equal(new Dictionary<string, long> { [code] = 1 }, Map(sources.GetProperty("byReferrer")));
        await AssertCountsEqualRecountAsync(h, petition);
    }

    [Fact]
    public async Task A_bad_source_value_is_refused_with_its_field_and_an_unknown_referral_code_is_counted_for_no_one()
    {
        await using var h = await AbuseHost.StartAsync(azurite);
        var petition = await CreatePetitionAsync(h.Host);
        foreach (var (body, field, code) in new (object, string, string)[]
        {
            (From("x1@example.org", source: "<script>alert(1)</script>"), "source", ReasonCodes.SourceInvalid),
            (From("x2@example.org", source: "=HYPERLINK(\"x\")"), "source", ReasonCodes.SourceInvalid),
            (From("x3@example.org", utmCampaign: new string('a', 65)), "utm_campaign", ReasonCodes.SourceInvalid),
            (From("x4@example.org", referrer: "not-a-code"), "referrer", ReasonCodes.ReferrerInvalid),
        })
        {
            var response = await h.Client.PostAsJsonAsync($"/api/petitions/{petition}/signatures", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var error = Assert.Single((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray());
            Assert.Equal(field, error.GetProperty("field").GetString());
            Assert.Equal(code, error.GetProperty("code").GetString());
        }

        // Shaped like a code, but never issued: the signature counts, for nobody's link.
        Assert.Equal("counted", (await SignFromAsync(h.Client, petition, From("forged@example.org", source: "ok", referrer: "abcdefghijklmnop"))).Status);
        var sources = await SourcesAsync(h, petition);
        Assert.Empty(sources.GetProperty("byReferrer").EnumerateObject());
        Assert.Equal(1, sources.GetProperty("bySource").GetProperty("ok").GetInt64());
    }

    [Fact]
    public async Task An_OSDI_body_brings_its_source_referrer_and_website_in_referrer_data()
    {
        await using var h = await AbuseHost.StartAsync(azurite);
        var petition = await CreatePetitionAsync(h.Host);
        var (_, code, _) = await SignFromAsync(h.Client, petition, From("sharer@example.org"));
        var osdi = new
        {
            person = new
            {
                given_name = "Luis",
                family_name = "Pérez",
                email_addresses = new[] { new { address = "luis@example.org", primary = true } },
                postal_addresses = new[] { new { postal_code = "10027", region = "NY" } },
            },
            referrer_data = new { source = "presente-email", referrer = code, website = "https://www.Presente.org/petition?x=1" },
        };
        Assert.Equal("counted", (await SignFromAsync(h.Client, petition, osdi)).Status);

        var store = h.Host.Services.GetRequiredService<SignatureStore>();
        var (shard, rowKey) = store.KeyOf(petition, "luis@example.org");
        Assert.Equal(new SignatureSources { Source = "presente-email", Referrer = code, Website = "www.presente.org" },
            (await store.GetRowAsync(petition, shard, rowKey, CancellationToken.None))!.Sources);
        Assert.Equal(1, (await SourcesAsync(h, petition)).GetProperty("byReferrer").GetProperty(code).GetInt64());
    }

    [Fact]
    public async Task The_thank_you_page_offers_share_links_with_the_signers_code_and_a_signature_through_one_counts_for_the_signer()
    {
        await using var h = await AbuseHost.StartAsync(azurite);
        var petition = await CreatePetitionAsync(h.Host);
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = h.Host.Address };

        // A plain form, with the hidden fields a campaign page adds.
        using var post = new HttpRequestMessage(HttpMethod.Post, $"/api/petitions/{petition}/signatures")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["firstName"] = "Ana", ["lastName"] = "García", ["email"] = "form@example.org", ["postalCode"] = "10001", ["state"] = "NY",
                ["source"] = "ndlon-email", ["utm_medium"] = "email", ["lang"] = "es",
            }),
        };
        post.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        var redirect = await browser.SendAsync(post);
        Assert.Equal(HttpStatusCode.SeeOther, redirect.StatusCode);
        var receipt = Regex.Match(redirect.Headers.Location!.ToString(), "receipt=([^&]+)").Groups[1].Value;
        Assert.Equal("counted", (await WaitForFinalAsync(h.Client, Uri.UnescapeDataString(receipt))).GetProperty("status").GetString());

        var page = await browser.GetStringAsync(redirect.Headers.Location);
        var code = h.Host.Services.GetRequiredService<ReferralCodes>().Of(Uri.UnescapeDataString(receipt));
        Assert.Contains("Pide a tus amistades que firmen", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", page, StringComparison.OrdinalIgnoreCase);
        var links = Hrefs().Matches(page).Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();
        foreach (var channel in new[] { "email", "whatsapp", "x", "facebook" })
        {
            var link = Assert.Single(links, l => l.Contains(Uri.EscapeDataString($"source=share-{channel}"), StringComparison.Ordinal)
                || l.Contains($"source=share-{channel}", StringComparison.Ordinal));
            Assert.Contains(code, link, StringComparison.Ordinal);
        }
        var copy = System.Net.WebUtility.HtmlDecode(CopyLink().Match(page).Groups[1].Value);
        Assert.Equal($"{h.Host.Address.ToString().TrimEnd('/')}/petitions/{petition}?ref={code}&source=share-link", copy);

        // A friend opens the shared link: the petition page carries the code and channel into its form, whose post counts for the signer.
        var friendPage = await h.Client.GetStringAsync(new Uri(copy).PathAndQuery.Replace("share-link", "share-whatsapp", StringComparison.Ordinal));
        Assert.Contains($"<input type=\"hidden\" name=\"referrer\" value=\"{code}\">", friendPage, StringComparison.Ordinal);
        Assert.Contains("<input type=\"hidden\" name=\"source\" value=\"share-whatsapp\">", friendPage, StringComparison.Ordinal);
        var hidden = Hidden().Matches(friendPage).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        var friend = new Dictionary<string, string>(hidden)
        {
            ["firstName"] = "Luis", ["lastName"] = "Pérez", ["email"] = "friend@example.org", ["postalCode"] = "10001", ["state"] = "NY",
        };
        var friendPost = await h.Client.PostAsync($"/api/petitions/{petition}/signatures", new FormUrlEncodedContent(friend));
        Assert.Equal(HttpStatusCode.Accepted, friendPost.StatusCode);
        await WaitForFinalAsync(h.Client, (await friendPost.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("receiptId").GetString()!);

        var sources = await SourcesAsync(h, petition);
        Assert.Equal(1, sources.GetProperty("byReferrer").GetProperty(code).GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["ndlon-email"] = 1, ["share-whatsapp"] = 1 }, Map(sources.GetProperty("bySource")));
        Assert.Equal(1, sources.GetProperty("byUtm").GetProperty("medium").GetProperty("email").GetInt64());
    }

    [Fact]
    public async Task A_shard_keeps_its_first_hundred_sources_by_name_counts_the_rest_as_other_and_stays_exact_when_one_leaves()
    {
        await using var services = await azurite.BuildServicesAsync();
        var store = services.GetRequiredService<SignatureStore>();
        var petition = AzuriteFixture.NewPetitionId("cap");
        // 103 signers of one shard, each from a source of their own: three more than a shard keeps by name.
        var signers = Enumerable.Range(0, 2000).Select(i => $"cap{i}@example.org").Where(e => store.KeyOf(petition, e).Shard == 0).Take(103).ToList();
        var now = DateTimeOffset.UtcNow;
        var pending = signers.Select((email, i) => new SignatureStore.Pending($"receipt-{i}",
            new ValidSignature("Ana", "García", email, email, "10001", "NY", null, "US", null, false) { Sources = new SignatureSources { Source = $"partner-{i:D3}" } },
            now, 0, store.KeyOf(petition, email).RowKey)).ToList();
        foreach (var chunk in pending.Chunk(40)) await store.CommitShardAsync(petition, 0, chunk, CancellationToken.None);

        var counts = await store.GetSourceCountsAsync(petition, CancellationToken.None);
        Assert.Equal(101, counts.BySource.Count);
        Assert.Equal(3, counts.BySource[SignatureStore.OtherValue]);
        Assert.Equal(103, counts.BySource.Values.Sum());
        // Laid out as the commit path lays it out: the recount finds nothing to repair.
        Assert.False(await store.RepairShardAsync(petition, 0, CancellationToken.None));

        // One counted under "other" leaves: "other" goes down, no named source does.
        var last = pending[^1];
        await store.RemoveAsync(petition, 0, last.RowKey, "signer", now, CancellationToken.None);
        counts = await store.GetSourceCountsAsync(petition, CancellationToken.None);
        Assert.Equal(2, counts.BySource[SignatureStore.OtherValue]);
        Assert.Equal(102, counts.BySource.Values.Sum());
        Assert.False(await store.RepairShardAsync(petition, 0, CancellationToken.None));
    }

    [GeneratedRegex("<a data-channel=\"[a-z]+\" href=\"([^\"]+)\"")]
    private static partial Regex Hrefs();

    [GeneratedRegex("id=\"share-link\" type=\"url\" readonly value=\"([^\"]+)\"")]
    private static partial Regex CopyLink();

    [GeneratedRegex("<input type=\"hidden\" name=\"([a-z_]+)\" value=\"([^\"]*)\">")]
    private static partial Regex Hidden();
}
