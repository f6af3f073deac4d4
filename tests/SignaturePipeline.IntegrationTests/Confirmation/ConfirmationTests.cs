using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.IntegrationTests.Abuse;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Receipts;
using SignaturePipeline.Signatures;
using static SignaturePipeline.IntegrationTests.Infrastructure.PipelineClient;

namespace SignaturePipeline.IntegrationTests.Confirmation;

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
        await foreach (var row in store.QueryRowsAsync(petition, CancellationToken.None)) rows.Add(row);
        var tombstone = Assert.Single(rows);
        Assert.Equal(SignatureRowStatus.Removed, tombstone.Status);
        Assert.Equal("NY", tombstone.State);
        Assert.All(SignatureStore.PersonalProperties, p => Assert.False(tombstone.Entity.ContainsKey(p), p));
        Assert.Equal(0, (await store.RecountAsync(petition, CancellationToken.None)).Total);
    }
    [Fact]
    public async Task A_Spanish_form_post_gets_a_Spanish_confirmation_email_and_pages_and_a_second_Spanish_signature_a_Spanish_already_signed_note()
    {
        var petition = await _h.ConfirmingPetitionAsync();
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _h.Host.Address };
        using var post = new HttpRequestMessage(HttpMethod.Post, $"/api/petitions/{petition}/signatures")
        {
            // As the Spanish petition page posts it.
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["firstName"] = "Rosa", ["lastName"] = "Martínez", ["email"] = "rosa.martinez@example.org", ["postalCode"] = "10001", ["state"] = "NY", ["lang"] = "es",
            }),
        };
        post.Headers.Accept.ParseAdd("text/html");
        var posted = await noRedirect.SendAsync(post);
        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        var receipt = Regex.Match(posted.Headers.Location!.ToString(), "receipt=([^&]+)").Groups[1].Value;
        Assert.Equal("pending_confirmation", (await WaitForFinalAsync(_h.Client, receipt)).GetProperty("status").GetString());

        var mail = Assert.Single(await _h.WaitForMailAsync("rosa.martinez@example.org"));
        Assert.Equal($"confirm:{receipt}", mail.Key);
        Assert.StartsWith("Confirma tu firma: ", mail.Message.Subject, StringComparison.Ordinal);
        var text = mail.Message.TextBody ?? "";
        Assert.Contains("Gracias por firmar", text, StringComparison.Ordinal);
        var link = new Uri(Regex.Match(text, @"https?://\S+/confirm\?token=\S+").Value);
        Assert.EndsWith("&lang=es", link.Query, StringComparison.Ordinal);
        Assert.EndsWith("&lang=es", new Uri(Regex.Match(text, @"https?://\S+/remove\?token=\S+").Value).Query, StringComparison.Ordinal);

        // Following the link opens the Spanish page; its button keeps the language for the answer.
        var page = await _h.Client.GetAsync(link.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"es\">", html, StringComparison.Ordinal);
        Assert.Contains("<h1>Confirma tu firma</h1>", html, StringComparison.Ordinal);
        Assert.Contains("<input type=\"hidden\" name=\"lang\" value=\"es\">", html, StringComparison.Ordinal);
        Assert.Contains("<button type=\"submit\">Confirmar mi firma</button>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Confirm my signature", html, StringComparison.Ordinal);
        Assert.Equal(0, await _h.CountAsync(petition));

        var token = AbuseHost.TokenIn(mail.Message, "confirm");
        var confirmed = await _h.Client.PostAsync($"/petitions/{petition}/confirm", new FormUrlEncodedContent([new("token", token), new("lang", "es")]));
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        var thanks = await confirmed.Content.ReadAsStringAsync();
        Assert.Contains("Gracias: tu firma está confirmada", thanks, StringComparison.Ordinal);
        Assert.Contains($"href=\"/petitions/{petition}?lang=es\"", thanks, StringComparison.Ordinal);
        Assert.Equal(1, await _h.CountAsync(petition));

        // The widget's JSON body says the same in its own field.
        var second = await SignAsync(_h.Client, petition, new { firstName = "Rosa", lastName = "Martínez", email = "rosa.martinez@example.org", postalCode = "10001", state = "NY", lang = "es" });
        Assert.Equal("pending_confirmation", (await WaitForFinalAsync(_h.Client, second)).GetProperty("status").GetString());
        var note = (await _h.WaitForMailAsync("rosa.martinez@example.org", 2)).Single(m => m.Key == $"already_signed:{second}");
        Assert.StartsWith("Ya firmaste: ", note.Message.Subject, StringComparison.Ordinal);
        Assert.Contains("Alguien, probablemente tú, volvió a firmar", note.Message.TextBody, StringComparison.Ordinal);
        Assert.Contains("&lang=es", note.Message.TextBody, StringComparison.Ordinal);
        Assert.Equal(1, await _h.CountAsync(petition));
    }

    [Fact]
    public async Task A_fresh_link_for_a_Spanish_signature_comes_in_Spanish_and_an_English_signer_keeps_English()
    {
        var petition = await _h.ConfirmingPetitionAsync();
        await SignAsync(_h.Client, petition, new { firstName = "Luis", lastName = "Pérez", email = "luis.tarde@example.org", postalCode = "10001", state = "NY", lang = "es-MX" });
        await SignAsync(_h.Client, petition, new { firstName = "Ann", lastName = "Lee", email = "ann.late@example.org", postalCode = "10001", state = "NY", lang = "fr" });
        var spanish = AbuseHost.TokenIn((await _h.WaitForMailAsync("luis.tarde@example.org"))[0].Message, "confirm");
        var english = (await _h.WaitForMailAsync("ann.late@example.org"))[0].Message;
        Assert.StartsWith("Confirm your signature: ", english.Subject, StringComparison.Ordinal);
        Assert.DoesNotContain("lang=", english.TextBody, StringComparison.Ordinal);

        _h.Clock.Offset = TimeSpan.FromDays(4);
        try
        {
            var expired = await _h.Client.GetAsync($"/petitions/{petition}/confirm?token={spanish}&lang=es");
            Assert.Equal(HttpStatusCode.Gone, expired.StatusCode);
            Assert.Contains("Envíame un enlace nuevo", await expired.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            // Asked for without the language: the signature's own language still decides the email.
            Assert.Equal(HttpStatusCode.OK, (await _h.PostTokenAsync(petition, "confirm/resend", spanish)).StatusCode);
            var fresh = (await _h.WaitForMailAsync("luis.tarde@example.org", 2))[1];
            Assert.StartsWith("Confirma tu firma: ", fresh.Message.Subject, StringComparison.Ordinal);
            Assert.Contains("&lang=es", fresh.Message.TextBody, StringComparison.Ordinal);
        }
        finally
        {
            _h.Clock.Offset = TimeSpan.Zero;
        }
    }
}
