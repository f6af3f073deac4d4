using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Petitions;
using SignaturePipeline.Storage;

namespace SignaturePipeline.IntegrationTests.Webhooks;

/// <summary>Webhooks in the admin API of the real local host: secrets and header values go in and never come out.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class WebhookDefinitionTests(AzuriteFixture azurite)
{
    private static object Definition(object webhook) => new
    {
        title = "Webhook definition test",
        letter = "Dear Governor,",
        targets = new[] { new { kind = "governor", name = "Gov. Test", email = "governor@example.org", state = "NY" } },
        organizers = new[] { "organizer@example.org" },
        goal = 100,
        requireConfirmation = false,
        webhooks = new[] { webhook },
    };

    [Fact]
    public async Task The_secret_and_header_values_are_never_returned_and_stay_stored_sealed_when_an_edit_leaves_them_out()
    {
        await using var host = await azurite.StartHostAsync(new Dictionary<string, string?> { ["Webhooks:AllowLoopback"] = "true" });
        using var admin = host.CreateClient(AzuriteFixture.AdminKey);
        var id = AzuriteFixture.NewPetitionId("whdef");
        const string secret = "the-organizers-shared-secret-42";
        const string token = "osdi-api-token-value-42";

        var created = await admin.PutAsJsonAsync($"api/admin/petitions/{id}", Definition(new
        {
            url = "http://127.0.0.1:9/hook", secret, events = new[] { "signature.counted" }, format = "osdi",
            headers = new Dictionary<string, string> { ["OSDI-API-Token"] = token },
        }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var answer = await created.Content.ReadAsStringAsync();
        Assert.DoesNotContain(secret, answer, StringComparison.Ordinal);
        Assert.DoesNotContain(token, answer, StringComparison.Ordinal);
        var webhook = JsonDocument.Parse(answer).RootElement.GetProperty("webhooks")[0];
        Assert.True(webhook.GetProperty("hasSecret").GetBoolean());
        Assert.Equal("OSDI-API-Token", webhook.GetProperty("headerNames")[0].GetString());

        // Edited without the secret or the headers: both stay.
        var edited = await admin.PutAsJsonAsync($"api/admin/petitions/{id}", Definition(new
        {
            url = "http://127.0.0.1:9/hook", events = new[] { "signature.counted", "signature.removed" }, format = "osdi",
        }));
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        var stored = (await host.Services.GetRequiredService<PetitionStore>().ReadAsync(id, CancellationToken.None))!.Webhooks.Single();
        var secrets = host.Services.GetRequiredService<SignaturePipeline.Security.WebhookSecrets>();
        Assert.Equal(secret, secrets.Open(stored.SealedSecret));
        Assert.Equal(token, secrets.Open(stored.SealedHeaders["OSDI-API-Token"]));
        Assert.Equal(2, stored.Events.Count);

        // At rest, sealed: the petition's row holds neither in clear.
        var row = await host.Services.GetRequiredService<TableServiceClient>().GetTableClient(TableNames.Petitions)
            .GetEntityAsync<TableEntity>("petition", id);
        var column = row.Value.GetString("Webhooks");
        Assert.DoesNotContain(secret, column, StringComparison.Ordinal);
        Assert.DoesNotContain(token, column, StringComparison.Ordinal);

        // The public read shows no webhook at all.
        using var anonymous = host.CreateClient();
        var publicJson = await anonymous.GetStringAsync($"api/petitions/{id}");
        Assert.DoesNotContain("\"webhooks\"", publicJson, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", publicJson, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://example.org/hook", "webhook_url_not_https")]
    [InlineData("https://169.254.169.254/latest/meta-data", "webhook_url_address_refused")]
    [InlineData("https://10.0.0.5/hook", "webhook_url_address_refused")]
    [InlineData("https://[fd00:ec2::254]/hook", "webhook_url_address_refused")]
    [InlineData("not a url", "webhook_url_invalid")]
    public async Task A_webhook_url_that_is_not_public_https_is_refused_with_a_field_error(string url, string code)
    {
        await using var host = await azurite.StartHostAsync();
        using var admin = host.CreateClient(AzuriteFixture.AdminKey);
        var response = await admin.PutAsJsonAsync($"api/admin/petitions/{AzuriteFixture.NewPetitionId("whdef")}", Definition(new
        {
            url, secret = "a-secret-of-enough-length", events = new[] { "signature.counted" },
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = Assert.Single(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").EnumerateArray().ToList());
        Assert.Equal("webhooks[0].url", error.GetProperty("field").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Unknown_events_a_missing_secret_and_forbidden_headers_are_each_named()
    {
        await using var host = await azurite.StartHostAsync();
        using var admin = host.CreateClient(AzuriteFixture.AdminKey);
        var response = await admin.PutAsJsonAsync($"api/admin/petitions/{AzuriteFixture.NewPetitionId("whdef")}", Definition(new
        {
            url = "https://hooks.example.org/petition", events = new[] { "signature.teleported" }, format = "xml",
            headers = new Dictionary<string, string> { ["Host"] = "evil.example", ["Content-Length"] = "1" },
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var codes = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").EnumerateArray()
            .Select(e => e.GetProperty("code").GetString()).ToList();
        Assert.Contains("webhook_event_unknown", codes);
        Assert.Contains("webhook_format_invalid", codes);
        Assert.Contains("webhook_secret_required", codes);
        Assert.Equal(2, codes.Count(c => c == "webhook_header_name_invalid"));
    }
}
