using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Receipts;
using SignaturePipeline.Signatures;
using static SignaturePipeline.IntegrationTests.Infrastructure.PipelineClient;

namespace SignaturePipeline.IntegrationTests.Abuse;

[Collection(AzuriteGroup.Name)]
public sealed class ConfirmationTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private AbuseHost _h = null!;

    public async Task InitializeAsync() => _h = await AbuseHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task A_signature_stays_pending_and_uncounted_until_its_signer_presses_the_button_and_confirming_twice_counts_once()
    {
        var petition = await _h.ConfirmingPetitionAsync();
        var receipt = await SignAsync(_h.Client, petition, Signer("maria.lopez@example.org"));
        Assert.Equal("pending_confirmation", (await WaitForFinalAsync(_h.Client, receipt)).GetProperty("status").GetString());
        var mail = Assert.Single(await _h.WaitForMailAsync("maria.lopez@example.org"));
        Assert.Equal($"confirm:{receipt}", mail.Key);
        Assert.Equal(0, await _h.CountAsync(petition));

        var token = AbuseHost.TokenIn(mail.Message, "confirm");
        // A mail scanner follows the link: the page shows a button, and nothing is counted.
        var page = await _h.Client.GetAsync($"/petitions/{petition}/confirm?token={token}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("method=\"post\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await _h.CountAsync(petition));

        var confirmed = await _h.PostTokenAsync(petition, "confirm", token);
        Assert.Contains("is confirmed", await confirmed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var again = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => _h.PostTokenAsync(petition, "confirm", token)));
        Assert.All(again, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        var view = await GetPetitionAsync(_h.Client, petition);
        Assert.Equal(1, view.GetProperty("signatureCount").GetInt64());
        Assert.Equal(1, view.GetProperty("countsByState").GetProperty("NY").GetInt64());
        Assert.Equal(1, (await _h.Host.Services.GetRequiredService<SignatureStore>().RecountAsync(petition, CancellationToken.None)).Total);
    }

    [Fact]
    public async Task Signing_again_with_an_alias_sends_an_already_signed_note_and_the_form_cannot_tell()
    {
        var petition = await _h.ConfirmingPetitionAsync();
        var first = await SignAsync(_h.Client, petition, Signer("jane.roe@gmail.com"));
        await _h.WaitForMailAsync("jane.roe@gmail.com");
        var second = await SignAsync(_h.Client, petition, Signer("JaneRoe+again@googlemail.com"));

        Assert.Equal("pending_confirmation", (await WaitForFinalAsync(_h.Client, first)).GetProperty("status").GetString());
        Assert.Equal("pending_confirmation", (await WaitForFinalAsync(_h.Client, second)).GetProperty("status").GetString());
        var note = Assert.Single(await _h.WaitForMailAsync("janeroe+again@googlemail.com"));
        Assert.Equal($"already_signed:{second}", note.Key);
        Assert.StartsWith("You have already signed", note.Message.Subject, StringComparison.Ordinal);

        // Organizers still see the duplicate.
        var outcomes = await _h.Admin.GetFromJsonAsync<List<Receipt>>($"/api/admin/petitions/{petition}/outcomes?status=duplicate", Web.Http.Json.Options);
        Assert.Contains(outcomes!, o => o.ReceiptId == second);

        // Either link confirms the one signature, once.
        await _h.PostTokenAsync(petition, "confirm", AbuseHost.TokenIn(note.Message, "confirm"));
        await _h.PostTokenAsync(petition, "confirm", AbuseHost.TokenIn(_h.MailTo("jane.roe@gmail.com")[0].Message, "confirm"));
        Assert.Equal(1, await _h.CountAsync(petition));
    }

    [Fact]
    public async Task An_expired_link_offers_a_fresh_email_which_is_rate_limited()
    {
        var petition = await _h.ConfirmingPetitionAsync();
        await SignAsync(_h.Client, petition, Signer("late.reader@example.org"));
        var token = AbuseHost.TokenIn((await _h.WaitForMailAsync("late.reader@example.org"))[0].Message, "confirm");

        _h.Clock.Offset = TimeSpan.FromDays(4);
        var expired = await _h.PostTokenAsync(petition, "confirm", token);
        Assert.Equal(HttpStatusCode.Gone, expired.StatusCode);
        Assert.Contains("/confirm/resend", await expired.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await _h.CountAsync(petition));

        Assert.Equal(HttpStatusCode.OK, (await _h.PostTokenAsync(petition, "confirm/resend", token)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await _h.PostTokenAsync(petition, "confirm/resend", token)).StatusCode);
        var mails = await _h.WaitForMailAsync("late.reader@example.org", 2);
        Assert.Equal(2, mails.Count);

        var fresh = AbuseHost.TokenIn(mails[1].Message, "confirm");
        Assert.Contains("is confirmed", await (await _h.PostTokenAsync(petition, "confirm", fresh)).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await _h.CountAsync(petition));
        _h.Clock.Offset = TimeSpan.Zero;
    }

    [Fact]
    public async Task A_forged_or_foreign_token_is_refused_and_counts_nothing()
    {
        var petition = await _h.ConfirmingPetitionAsync();
        await SignAsync(_h.Client, petition, Signer("forge@example.org"));
        var token = AbuseHost.TokenIn((await _h.WaitForMailAsync("forge@example.org"))[0].Message, "confirm");
        var tampered = token[..^1] + (token[^1] == '0' ? '1' : '0');
        Assert.Equal(HttpStatusCode.BadRequest, (await _h.PostTokenAsync(petition, "confirm", tampered)).StatusCode);
        // A confirmation token is not a removal token.
        Assert.Equal(HttpStatusCode.BadRequest, (await _h.PostTokenAsync(petition, "remove", token)).StatusCode);
        var other = await _h.ConfirmingPetitionAsync();
        Assert.Equal(HttpStatusCode.BadRequest, (await _h.PostTokenAsync(other, "confirm", token)).StatusCode);
        Assert.Equal(0, await _h.CountAsync(petition));
    }

    [Fact]
    public async Task The_removal_link_takes_the_signature_out_of_the_count_once_and_leaves_a_tombstone_without_personal_data()
    {
        var petition = await _h.ConfirmingPetitionAsync();
        await SignAsync(_h.Client, petition, Signer("leaving@example.org", comment: "private words"));
        var mail = (await _h.WaitForMailAsync("leaving@example.org"))[0].Message;
        await _h.PostTokenAsync(petition, "confirm", AbuseHost.TokenIn(mail, "confirm"));
        Assert.Equal(1, await _h.CountAsync(petition));

        var remove = AbuseHost.TokenIn(mail, "remove");
        Assert.Contains("method=\"post\"", await _h.Client.GetStringAsync($"/petitions/{petition}/remove?token={remove}"), StringComparison.Ordinal);
        Assert.Equal(1, await _h.CountAsync(petition));
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => _h.PostTokenAsync(petition, "remove", remove)));
        Assert.Equal(0, await _h.CountAsync(petition));

        var store = _h.Host.Services.GetRequiredService<SignatureStore>();
        var rows = new List<SignatureRow>();
        await foreach (var row in store.QueryRowsAsync(petition, null, CancellationToken.None)) rows.Add(row);
        var tombstone = Assert.Single(rows);
        Assert.Equal(SignatureRowStatus.Removed, tombstone.Status);
        Assert.Equal("NY", tombstone.State);
        Assert.All(SignatureStore.PersonalProperties, p => Assert.False(tombstone.Entity.ContainsKey(p), p));
        Assert.Equal(0, (await store.RecountAsync(petition, CancellationToken.None)).Total);
    }
}
