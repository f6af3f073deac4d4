using System.Net;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.Abuse;
using SignaturePipeline.IntegrationTests.Abuse;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Signatures;
using SignaturePipeline.Storage;
using static SignaturePipeline.IntegrationTests.Infrastructure.PipelineClient;

namespace SignaturePipeline.IntegrationTests.Confirmation;

/// <summary>The first submission for an address does not fix its place: the mailbox's owner, confirming, does.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class SquatTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private AbuseHost _h = null!;

    public async Task InitializeAsync() => _h = await AbuseHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private SignatureStore Store => _h.Host.Services.GetRequiredService<SignatureStore>();

    private async Task<SignatureRow> RowOfAsync(string petition, string email)
    {
        var (shard, rowKey) = Store.KeyOf(petition, email);
        return (await Store.GetRowAsync(petition, shard, rowKey, CancellationToken.None))!;
    }

    private async Task AssertCountAsync(string petition, long expected)
    {
        Assert.Equal(expected, await _h.CountAsync(petition));
        Assert.Equal(expected, (await Store.RecountAsync(petition, CancellationToken.None)).Total);
    }

    private async Task<MimeKit.MimeMessage> MailForAsync(string address, string receipt, int count)
    {
        var mail = await _h.WaitForMailAsync(address, count);
        return mail.Single(m => m.Key == $"confirm:{receipt}").Message;
    }

    [Fact]
    public async Task A_later_submission_its_owner_confirms_replaces_a_squatters_pending_row_and_counts_once()
    {
        var petition = await _h.ConfirmingPetitionAsync();
        var squat = await SignAsync(_h.Client, petition, Signer("owner@example.org", first: "Fake", last: "Name", zip: "99501", state: "AK", comment: "not mine"));
        await WaitForFinalAsync(_h.Client, squat);
        var own = await SignAsync(_h.Client, petition, Signer("owner@example.org", first: "Olga", last: "Owner"));
        Assert.Equal("pending_confirmation", (await WaitForFinalAsync(_h.Client, own)).GetProperty("status").GetString());
        await AssertCountAsync(petition, 0);

        var confirm = await _h.PostTokenAsync(petition, "confirm", AbuseHost.TokenIn(await MailForAsync("owner@example.org", own, 2), "confirm"));
        Assert.Contains("is confirmed", await confirm.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await _h.PostTokenAsync(petition, "confirm", AbuseHost.TokenIn(await MailForAsync("owner@example.org", own, 2), "confirm"));
        await AssertCountAsync(petition, 1);
        var row = await RowOfAsync(petition, "owner@example.org");
        Assert.Equal(("Olga", "Owner", "NY", null), (row.FirstName, row.LastName, row.State, row.Comment));
        Assert.Equal(1, (await GetPetitionAsync(_h.Client, petition)).GetProperty("countsByState").GetProperty("NY").GetInt64());

        // The squatter's own link, pressed later by the owner, changes nothing.
        await _h.PostTokenAsync(petition, "confirm", AbuseHost.TokenIn(await MailForAsync("owner@example.org", squat, 2), "confirm"));
        await AssertCountAsync(petition, 1);
        Assert.Equal("Olga", (await RowOfAsync(petition, "owner@example.org")).FirstName);
    }

    [Fact]
    public async Task A_honeypot_squat_does_not_block_the_owner_who_signs_and_confirms()
    {
        var petition = await _h.ConfirmingPetitionAsync();
        var squat = await SignAsync(_h.Client, petition, new { firstName = "Bot", lastName = "Pot", email = "held.owner@example.org", postalCode = "10001", state = "NY", website = "http://spam.example" });
        await WaitForFinalAsync(_h.Client, squat);
        Assert.Equal(SignatureRowStatus.Suspicious, (await RowOfAsync(petition, "held.owner@example.org")).Status);

        var own = await SignAsync(_h.Client, petition, Signer("held.owner@example.org", first: "Hana", last: "Held"));
        await WaitForFinalAsync(_h.Client, own);
        var message = await MailForAsync("held.owner@example.org", own, 1);
        await _h.PostTokenAsync(petition, "confirm", AbuseHost.TokenIn(message, "confirm"));
        await AssertCountAsync(petition, 1);
        var row = await RowOfAsync(petition, "held.owner@example.org");
        Assert.Equal((SignatureRowStatus.Counted, "Hana", null), (row.Status, row.FirstName, row.Flag));
        Assert.Single(_h.MailTo("held.owner@example.org"));
    }

    [Fact]
    public async Task A_removed_signature_can_sign_again_after_confirming_by_email()
    {
        var petition = await _h.ConfirmingPetitionAsync();
        var first = await SignAsync(_h.Client, petition, Signer("again@example.org"));
        var mail = await MailForAsync("again@example.org", first, 1);
        await _h.PostTokenAsync(petition, "confirm", AbuseHost.TokenIn(mail, "confirm"));
        await _h.PostTokenAsync(petition, "remove", AbuseHost.TokenIn(mail, "remove"));
        await AssertCountAsync(petition, 0);

        var second = await SignAsync(_h.Client, petition, Signer("again@example.org", first: "Ana", last: "Again"));
        await WaitForFinalAsync(_h.Client, second);
        await AssertCountAsync(petition, 0);
        var fresh = await MailForAsync("again@example.org", second, 2);
        await _h.PostTokenAsync(petition, "confirm", AbuseHost.TokenIn(fresh, "confirm"));
        await _h.PostTokenAsync(petition, "confirm", AbuseHost.TokenIn(fresh, "confirm"));
        await AssertCountAsync(petition, 1);
        Assert.Equal("Again", (await RowOfAsync(petition, "again@example.org")).LastName);
    }

    [Fact]
    public async Task An_erasure_takes_the_replacements_waiting_for_the_address_too()
    {
        var petition = await _h.ConfirmingPetitionAsync();
        await WaitForFinalAsync(_h.Client, await SignAsync(_h.Client, petition, Signer("erased.owner@example.org", first: "Fake")));
        var own = await SignAsync(_h.Client, petition, Signer("erased.owner@example.org", first: "Erin", comment: "my own words"));
        await WaitForFinalAsync(_h.Client, own);
        var message = await MailForAsync("erased.owner@example.org", own, 2);

        await _h.AdminPostAsync($"/api/admin/petitions/{petition}/erase", new { email = "erased.owner@example.org" });
        var table = _h.Host.Services.GetRequiredService<TableServiceClient>().GetTableClient(TableNames.Signatures);
        await foreach (var entity in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey ge {petition + "_"} and PartitionKey lt {petition + "`"}")))
            Assert.DoesNotContain(entity, kv => kv.Value is string text && (text.Contains("erased.owner", StringComparison.Ordinal) || text.Contains("Erin", StringComparison.Ordinal)));
        await _h.PostTokenAsync(petition, "confirm", AbuseHost.TokenIn(message, "confirm"));
        await AssertCountAsync(petition, 0);
    }

    [Fact]
    public async Task The_confirmation_page_does_not_say_counted_for_a_row_that_stays_held()
    {
        var petition = await _h.ConfirmingPetitionAsync();
        var receipt = await SignAsync(_h.Client, petition, Signer("reviewed@example.org"));
        var mail = await MailForAsync("reviewed@example.org", receipt, 1);
        var loopback = _h.Host.Services.GetRequiredService<AbuseGuard>().IpHash(IPAddress.Loopback)!;
        await _h.AdminPostAsync($"/api/admin/petitions/{petition}/invalidate", new { ipHash = loopback, reason = "Reviewed", dryRun = false });

        var page = await (await _h.PostTokenAsync(petition, "confirm", AbuseHost.TokenIn(mail, "confirm"))).Content.ReadAsStringAsync();
        Assert.DoesNotContain("is counted", page, StringComparison.Ordinal);
        Assert.Contains("does not count", page, StringComparison.Ordinal);
        await AssertCountAsync(petition, 0);
    }
}
