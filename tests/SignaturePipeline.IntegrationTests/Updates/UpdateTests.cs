using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using SignaturePipeline.Email;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Privacy;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.IntegrationTests.Updates;

/// <summary>Updates to signers through the real local host: who receives each kind, unsubscribing, the weekly cap, Spanish, bad input.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class UpdateTests(AzuriteFixture azurite)
{
    private static readonly Dictionary<string, string?> Unthrottled = new() { ["Updates:MaxEmailsPerMinute"] = "0" };

    private async Task<(RunningHost Host, RecordingEmailTransport Mail)> StartAsync()
    {
        var mail = new RecordingEmailTransport();
        var host = await azurite.StartHostAsync(Unthrottled, s => s.AddSingleton<IEmailTransport>(mail));
        return (host, mail);
    }

    private static IReadOnlyList<(MimeMessage Message, string Key)> EmailsOf(RecordingEmailTransport mail, string petitionId, string updateId) =>
        mail.Sent.Where(s => s.Key.StartsWith($"update:{petitionId}:{updateId}:", StringComparison.Ordinal)).ToList();

    private static async Task<string> PublishAsync(HttpClient admin, string petitionId, object update)
    {
        var response = await admin.PostAsJsonAsync($"/api/admin/petitions/{petitionId}/updates", update);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("sending", body.GetProperty("status").GetString());
        return body.GetProperty("updateId").GetString()!;
    }

    /// <summary>Polls the progress until the fan-out says sent; bounded in time.</summary>
    private static async Task<JsonElement> WaitUntilSentAsync(HttpClient admin, string petitionId, string updateId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var progress = await admin.GetFromJsonAsync<JsonElement>($"/api/admin/petitions/{petitionId}/updates/{updateId}");
            if (progress.GetProperty("status").GetString() == "sent") return progress;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Update {updateId} still sending: {progress}");
            await Task.Delay(100);
        }
    }

    private static string[] Recipients(IEnumerable<(MimeMessage Message, string Key)> emails) =>
        emails.Select(e => e.Message.To.Mailboxes.Single().Address).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task An_update_reaches_the_counted_signers_who_opted_in_and_a_response_every_counted_signer()
    {
        var (host, mail) = await StartAsync();
        await using var _ = host;
        using var admin = host.CreateClient(AzuriteFixture.AdminKey);
        var id = await PipelineClient.CreatePetitionAsync(host);
        await UpdateSigners.SignAsync(host.Services, id,
        [
            ("news", true, null, null), ("quiet", false, null, null), ("held", true, null, UpdateSigners.Held),
            ("invalid", true, null, null), ("removed", true, null, null), ("erased", true, null, null), ("unsubscribed", true, null, null),
        ]);
        var signatures = host.Services.GetRequiredService<SignatureStore>();
        var now = DateTimeOffset.UtcNow;
        var (s1, k1) = UpdateSigners.KeyOf(host.Services, id, "invalid");
        await signatures.TransitionAsync(id, s1, k1, _ => RowChange.Invalidate("test", now), CancellationToken.None);
        var (s2, k2) = UpdateSigners.KeyOf(host.Services, id, "removed");
        await signatures.RemoveAsync(id, s2, k2, "signer", now, CancellationToken.None);
        Assert.Equal(ErasureOutcome.Removed, await host.Services.GetRequiredService<PrivacyHandlers>().EraseAsync(id, UpdateSigners.Email(id, "erased"), CancellationToken.None));
        var (s3, k3) = UpdateSigners.KeyOf(host.Services, id, "unsubscribed");
        Assert.True(await signatures.UnsubscribeAsync(id, s3, k3, now, CancellationToken.None));

        var update = await PublishAsync(admin, id, new { kind = "update", subject = "We delivered the petition", body = "Thank you all.\n\nMore soon: https://campaign.example.org/news" });
        var progress = await WaitUntilSentAsync(admin, id, update);
        Assert.Equal([UpdateSigners.Email(id, "news")], Recipients(EmailsOf(mail, id, update)));
        Assert.Equal(1, progress.GetProperty("recipients").GetInt64());
        Assert.Equal(1, progress.GetProperty("sent").GetInt64());
        Assert.Equal(1, progress.GetProperty("suppressed").GetInt64());

        var response = await PublishAsync(admin, id, new { kind = "response", subject = "The Governor answered", body = "He suspended it.", responder = "Gov. Test", respondedAt = "2011-06-01" });
        await WaitUntilSentAsync(admin, id, response);
        Assert.Equal(new[] { UpdateSigners.Email(id, "news"), UpdateSigners.Email(id, "quiet") }.Order(StringComparer.Ordinal), Recipients(EmailsOf(mail, id, response)));

        // The unsubscribed signer still counts; the held, invalidated, removed and erased ones do not.
        var petition = await PipelineClient.GetPetitionAsync(host.CreateClient(), id);
        Assert.Equal(3, petition.GetProperty("signatureCount").GetInt64());
        Assert.Equal("Gov. Test", petition.GetProperty("response").GetProperty("responder").GetString());
        Assert.Equal(["response", "update"], petition.GetProperty("updates").EnumerateArray().Select(u => u.GetProperty("kind").GetString()!).ToArray());
    }

    [Fact]
    public async Task A_victory_reaches_every_counted_signer_and_marks_the_petition_won_on_its_page_and_json()
    {
        var (host, mail) = await StartAsync();
        await using var _ = host;
        using var admin = host.CreateClient(AzuriteFixture.AdminKey);
        var id = await PipelineClient.CreatePetitionAsync(host);
        await UpdateSigners.SignAsync(host.Services, id, [("a", true, null, null), ("b", false, "es", null), ("c", false, null, UpdateSigners.Held)]);

        var victory = await PublishAsync(admin, id, new { kind = "victory", subject = "We won", body = "Thank you." });
        await WaitUntilSentAsync(admin, id, victory);
        Assert.Equal(new[] { UpdateSigners.Email(id, "a"), UpdateSigners.Email(id, "b") }.Order(StringComparer.Ordinal), Recipients(EmailsOf(mail, id, victory)));

        using var client = host.CreateClient();
        var petition = await PipelineClient.GetPetitionAsync(client, id);
        Assert.Equal("won", petition.GetProperty("status").GetString());
        Assert.Equal("We won", petition.GetProperty("updates")[0].GetProperty("subject").GetString());
        var page = await client.GetStringAsync($"/petitions/{id}?lang=es");
        Assert.Contains("Esta petición ganó", page, StringComparison.Ordinal);
        Assert.Contains("Victoria", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Spanish_signer_gets_the_Spanish_text_and_without_it_the_English_one_with_a_note()
    {
        var (host, mail) = await StartAsync();
        await using var _ = host;
        using var admin = host.CreateClient(AzuriteFixture.AdminKey);
        var id = await PipelineClient.CreatePetitionAsync(host);
        await UpdateSigners.SignAsync(host.Services, id, [("ana", true, "es", null), ("bob", true, null, null)]);

        var both = await PublishAsync(admin, id, new
        {
            kind = "update", subject = "We met the Governor", body = "It went well.",
            subjectEs = "Nos reunimos con el Gobernador", bodyEs = "Salió bien. Detalles: https://campaign.example.org/es",
        });
        await WaitUntilSentAsync(admin, id, both);
        var emails = EmailsOf(mail, id, both);
        var spanish = emails.Single(e => e.Message.To.Mailboxes.Single().Address == UpdateSigners.Email(id, "ana")).Message;
        Assert.Equal("Nos reunimos con el Gobernador", spanish.Subject);
        Assert.Contains("Salió bien.", spanish.TextBody!, StringComparison.Ordinal);
        Assert.Contains("<a href=\"https://campaign.example.org/es\">https://campaign.example.org/es</a>", spanish.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("Test petition", spanish.TextBody, StringComparison.Ordinal);
        Assert.Contains("lang=es", spanish.TextBody, StringComparison.Ordinal);
        Assert.Equal("We met the Governor", emails.Single(e => e.Message.To.Mailboxes.Single().Address == UpdateSigners.Email(id, "bob")).Message.Subject);

        var english = await PublishAsync(admin, id, new { kind = "update", subject = "Only in English", body = "Hello <b>all</b>." });
        await WaitUntilSentAsync(admin, id, english);
        var fallback = EmailsOf(mail, id, english).Single(e => e.Message.To.Mailboxes.Single().Address == UpdateSigners.Email(id, "ana")).Message;
        Assert.Equal("Only in English", fallback.Subject);
        Assert.Contains("Este mensaje solo está disponible en inglés.", fallback.TextBody, StringComparison.Ordinal);
        Assert.Contains("Hello &lt;b&gt;all&lt;/b&gt;.", fallback.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_one_click_POST_to_the_unsubscribe_header_unsubscribes_and_the_signature_still_counts()
    {
        var (host, mail) = await StartAsync();
        await using var _ = host;
        using var admin = host.CreateClient(AzuriteFixture.AdminKey);
        var id = await PipelineClient.CreatePetitionAsync(host);
        await UpdateSigners.SignAsync(host.Services, id, [("ana", true, null, null), ("bob", true, null, null)]);
        var first = await PublishAsync(admin, id, new { kind = "update", subject = "First", body = "One." });
        await WaitUntilSentAsync(admin, id, first);
        var email = EmailsOf(mail, id, first).Single(e => e.Message.To.Mailboxes.Single().Address == UpdateSigners.Email(id, "ana")).Message;
        Assert.Equal("List-Unsubscribe=One-Click", email.Headers["List-Unsubscribe-Post"]);
        var header = email.Headers["List-Unsubscribe"]!;
        Assert.StartsWith("<", header, StringComparison.Ordinal);
        var link = new Uri(header.Trim('<', '>'));
        Assert.Contains(link.AbsoluteUri, email.TextBody, StringComparison.Ordinal);

        // What a mail client's button does (RFC 8058): a POST to the link with this body, no page, no cookie.
        using var client = host.CreateClient();
        var posted = await client.PostAsync(link.PathAndQuery, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);

        var second = await PublishAsync(admin, id, new { kind = "update", subject = "Second", body = "Two." });
        var progress = await WaitUntilSentAsync(admin, id, second);
        Assert.Equal([UpdateSigners.Email(id, "bob")], Recipients(EmailsOf(mail, id, second)));
        Assert.Equal(1, progress.GetProperty("suppressed").GetInt64());
        Assert.Equal(2, (await PipelineClient.GetPetitionAsync(client, id)).GetProperty("signatureCount").GetInt64());
    }

    [Fact]
    public async Task Opening_the_unsubscribe_link_only_shows_a_button_and_the_button_unsubscribes()
    {
        var (host, mail) = await StartAsync();
        await using var _ = host;
        using var admin = host.CreateClient(AzuriteFixture.AdminKey);
        var id = await PipelineClient.CreatePetitionAsync(host);
        await UpdateSigners.SignAsync(host.Services, id, [("ana", true, "es", null)]);
        var first = await PublishAsync(admin, id, new { kind = "update", subject = "First", body = "One." });
        await WaitUntilSentAsync(admin, id, first);
        var link = new Uri(EmailsOf(mail, id, first).Single().Message.Headers["List-Unsubscribe"]!.Trim('<', '>'));
        var signatures = host.Services.GetRequiredService<SignatureStore>();
        var (shard, key) = UpdateSigners.KeyOf(host.Services, id, "ana");

        using var client = host.CreateClient();
        // A link scanner, or the signer opening the page: twice, and nothing changes.
        for (var i = 0; i < 2; i++)
        {
            var page = await client.GetAsync(link.PathAndQuery + "&lang=es");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var html = await page.Content.ReadAsStringAsync();
            Assert.Contains("Darme de baja", html, StringComparison.Ordinal);
            Assert.False(SignatureStore.IsUnsubscribed((await signatures.GetRowAsync(id, shard, key, CancellationToken.None))!));
        }

        var token = System.Web.HttpUtility.ParseQueryString(link.Query)["token"]!;
        var pressed = await client.PostAsync($"/petitions/{id}/unsubscribe", new FormUrlEncodedContent([new("token", token), new("lang", "es")]));
        Assert.Equal(HttpStatusCode.OK, pressed.StatusCode);
        Assert.Contains("Te diste de baja", await pressed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var row = (await signatures.GetRowAsync(id, shard, key, CancellationToken.None))!;
        Assert.True(SignatureStore.IsUnsubscribed(row));
        Assert.Equal(SignatureRowStatus.Counted, row.Status);

        var forged = await client.PostAsync($"/petitions/{id}/unsubscribe?token={token[..^2]}00", new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
    }

    [Fact]
    public async Task A_fourth_update_in_a_week_is_refused_with_a_429_but_a_response_still_goes_out()
    {
        var (host, _) = await StartAsync();
        await using var __ = host;
        using var admin = host.CreateClient(AzuriteFixture.AdminKey);
        var id = await PipelineClient.CreatePetitionAsync(host);
        for (var i = 0; i < 3; i++) await PublishAsync(admin, id, new { kind = "update", subject = $"Update {i}", body = "News." });

        var refused = await admin.PostAsJsonAsync($"/api/admin/petitions/{id}/updates", new { kind = "update", subject = "One too many", body = "News." });
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("update_limit_reached", problem.GetProperty("code").GetString());
        Assert.Contains("3 updates in 7 days", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.NotNull(refused.Headers.RetryAfter);

        await PublishAsync(admin, id, new { kind = "response", subject = "An answer", body = "Yes.", responder = "Gov. Test" });
        var list = await admin.GetFromJsonAsync<JsonElement>($"/api/admin/petitions/{id}/updates");
        Assert.Equal(4, list.GetProperty("updates").GetArrayLength());
    }

    [Fact]
    public async Task Bad_updates_get_field_errors_and_an_unknown_petition_a_404()
    {
        var (host, _) = await StartAsync();
        await using var __ = host;
        using var admin = host.CreateClient(AzuriteFixture.AdminKey);
        var id = await PipelineClient.CreatePetitionAsync(host);

        async Task<string[]> ErrorsOf(object update)
        {
            var response = await admin.PostAsJsonAsync($"/api/admin/petitions/{id}/updates", update);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
            return problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("code").GetString()!).ToArray();
        }

        Assert.Equal(["kind_invalid"], await ErrorsOf(new { kind = "newsletter", subject = "Hi", body = "Text" }));
        Assert.Equal(["subject_required"], await ErrorsOf(new { kind = "update", body = "Text" }));
        Assert.Equal(["subject_too_long"], await ErrorsOf(new { kind = "update", subject = new string('a', 151), body = "Text" }));
        Assert.Equal(["body_too_long"], await ErrorsOf(new { kind = "update", subject = "Hi", body = new string('a', 20_001) }));
        Assert.Equal(["body_required"], await ErrorsOf(new { kind = "update", subject = "Hi" }));
        Assert.Equal(["subject_invalid_characters", "body_invalid_characters"], await ErrorsOf(new { kind = "update", subject = "Hi\u0007", body = "Text\u202E" }));
        Assert.Equal(["responder_required"], await ErrorsOf(new { kind = "response", subject = "Hi", body = "Text" }));
        Assert.Equal(["bodyEs_required"], await ErrorsOf(new { kind = "update", subject = "Hi", body = "Text", subjectEs = "Hola" }));

        var unknown = await admin.PostAsJsonAsync("/api/admin/petitions/no-such-petition/updates", new { kind = "update", subject = "Hi", body = "Text" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>($"/api/admin/petitions/{id}/updates")).GetProperty("updates").EnumerateArray());
    }
}
