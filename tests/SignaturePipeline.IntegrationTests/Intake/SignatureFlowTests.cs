using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Petitions;
using SignaturePipeline.Receipts;
using SignaturePipeline.Signatures;
using SignaturePipeline.Web.Http;
using static SignaturePipeline.IntegrationTests.Infrastructure.PipelineClient;

namespace SignaturePipeline.IntegrationTests.Intake;

[Collection(AzuriteGroup.Name)]
public sealed class SignatureFlowTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private RunningHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await azurite.StartHostAsync();
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task A_posted_signature_is_counted_with_its_state_and_a_supporter_number()
    {
        var petition = await CreatePetitionAsync(_host);
        var receiptId = await SignAsync(_client, petition, Signer("ana@example.org"));

        var receipt = await WaitForFinalAsync(_client, receiptId);
        Assert.Equal("counted", receipt.GetProperty("status").GetString());
        Assert.Equal(1, receipt.GetProperty("supporterNumber").GetInt64());

        var view = await GetPetitionAsync(_client, petition);
        Assert.Equal(1, view.GetProperty("signatureCount").GetInt64());
        Assert.Equal(1, view.GetProperty("countsByState").GetProperty("NY").GetInt64());
    }

    [Fact]
    public async Task The_answer_carries_a_Location_header_pointing_at_the_receipt()
    {
        var petition = await CreatePetitionAsync(_host);
        var response = await _client.PostAsJsonAsync($"/api/petitions/{petition}/signatures", Signer("loc@example.org"));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(body.GetProperty("statusUrl").GetString(), response.Headers.Location!.ToString());
        Assert.EndsWith("/api/receipts/" + body.GetProperty("receiptId").GetString(), response.Headers.Location.ToString());
    }

    [Fact]
    public async Task Duplicate_email_with_gmail_dots_is_counted_once()
    {
        var petition = await CreatePetitionAsync(_host);
        var first = await SignAsync(_client, petition, Signer("jane.doe@gmail.com"));
        Assert.Equal("counted", (await WaitForFinalAsync(_client, first)).GetProperty("status").GetString());

        var second = await SignAsync(_client, petition, Signer("JaneDoe+petition@googlemail.com"));
        var receipt = await WaitForFinalAsync(_client, second);
        Assert.Equal("duplicate", receipt.GetProperty("status").GetString());
        Assert.Equal(1, (await GetPetitionAsync(_client, petition)).GetProperty("signatureCount").GetInt64());
    }

    [Fact]
    public async Task Two_hundred_concurrent_posts_of_variants_of_one_email_count_exactly_once()
    {
        var petition = await CreatePetitionAsync(_host);
        var variants = Enumerable.Range(0, 200).Select(i => i switch
        {
            _ when i % 4 == 0 => $"j.o.h.n+{i}@gmail.com",
            _ when i % 4 == 1 => $"JOHN+{i}@googlemail.com",
            _ when i % 4 == 2 => $"jo.hn@GMAIL.com",
            _ => $"john+tag{i}@gmail.com",
        });
        var receipts = await Task.WhenAll(variants.Select(email => SignAsync(_client, petition, Signer(email))));
        var finals = await Task.WhenAll(receipts.Select(r => WaitForFinalAsync(_client, r, 60)));

        Assert.Equal(1, finals.Count(f => f.GetProperty("status").GetString() == "counted"));
        Assert.Equal(199, finals.Count(f => f.GetProperty("status").GetString() == "duplicate"));
        Assert.Equal(1, (await GetPetitionAsync(_client, petition)).GetProperty("signatureCount").GetInt64());
        var store = _host.Services.GetRequiredService<SignatureStore>();
        Assert.Equal(1, (await store.RecountAsync(petition, CancellationToken.None)).Total);
    }

    [Fact]
    public async Task Counters_equal_a_recount_of_the_rows_in_total_and_per_state()
    {
        var petition = await CreatePetitionAsync(_host, AzuriteFixture.Definition(targets: new PetitionDefinition.TargetDefinition("president", "President", "p@example.org", null)));
        var signers = Enumerable.Range(0, 60).Select(i => (i % 3) switch
        {
            0 => Signer($"ny{i}@example.org", "NY", "10001"),
            1 => Signer($"ca{i}@example.org", "CA", "90210"),
            _ => Signer($"tx{i}@example.org", "TX", "73301"),
        });
        var receipts = await Task.WhenAll(signers.Select(s => SignAsync(_client, petition, s)));
        await Task.WhenAll(receipts.Select(r => WaitForFinalAsync(_client, r)));

        var store = _host.Services.GetRequiredService<SignatureStore>();
        var counters = await store.GetCountsAsync(petition, CancellationToken.None);
        var recount = await store.RecountAsync(petition, CancellationToken.None);
        Assert.Equal(60, counters.Total);
        Assert.Equal(recount.Total, counters.Total);
        Assert.Equal(recount.ByState, counters.ByState);
        Assert.Equal(20, counters.ByState["CA"]);
    }

    [Fact]
    public async Task A_plain_HTML_form_post_is_redirected_to_the_built_in_thank_you_page()
    {
        var petition = await CreatePetitionAsync(_host);
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _host.Address };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/petitions/{petition}/signatures")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["firstName"] = "Bo", ["lastName"] = "Li", ["email"] = "bo@example.org", ["postalCode"] = "10001", ["state"] = "NY", ["optIn"] = "on",
            }),
        };
        request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        var response = await noRedirect.SendAsync(request);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        Assert.Contains($"/petitions/{petition}/thanks?receipt=", location);
        var page = await _client.GetStringAsync(location);
        Assert.Contains("Thank you for signing", page);
    }

    [Fact]
    public async Task A_form_post_goes_to_the_petitions_own_thank_you_url()
    {
        var petition = await CreatePetitionAsync(_host, AzuriteFixture.Definition() with { ThankYouUrl = "https://campaign.example.org/thanks" });
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _host.Address };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/petitions/{petition}/signatures")
        {
            Content = new StringContent("firstName=Bo&lastName=Li&email=bo2%40example.org&postalCode=10001&state=NY", Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.Accept.ParseAdd("text/html");
        var response = await noRedirect.SendAsync(request);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.StartsWith("https://campaign.example.org/thanks?receipt=", response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task A_Spanish_form_post_lands_on_the_Spanish_thank_you_page_and_is_counted()
    {
        var petition = await CreatePetitionAsync(_host);
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _host.Address };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/petitions/{petition}/signatures")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["firstName"] = "Rosa", ["lastName"] = "Martínez", ["email"] = "rosa.es@example.org", ["postalCode"] = "10001", ["state"] = "NY",
                ["website"] = "", ["lang"] = "es",
            }),
        };
        request.Headers.Accept.ParseAdd("text/html");
        var response = await noRedirect.SendAsync(request);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        Assert.Matches($"/petitions/{petition}/thanks\\?receipt=[^&]+&lang=es$", location);
        // The lang field is neither a bot signal nor an error: the signature is counted like any other.
        var receiptId = System.Web.HttpUtility.ParseQueryString(new Uri(location).Query)["receipt"]!;
        Assert.Equal("counted", (await WaitForFinalAsync(_client, receiptId)).GetProperty("status").GetString());
        Assert.Equal(1, (await GetPetitionAsync(_client, petition)).GetProperty("signatureCount").GetInt64());

        var page = await _client.GetStringAsync(location);
        Assert.Contains("<html lang=\"es\">", page);
        Assert.Contains("Eres la persona firmante <strong>n.º 1</strong>", page);
        Assert.Contains($"<a href=\"/petitions/{petition}?lang=es\">Volver a la petición</a>", page);
    }

    [Fact]
    public async Task A_Spanish_form_post_with_a_bad_email_comes_back_in_Spanish_with_the_fields_refilled()
    {
        var petition = await CreatePetitionAsync(_host);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/petitions/{petition}/signatures")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["firstName"] = "Rosa", ["lastName"] = "Martínez", ["email"] = "rosa@", ["postalCode"] = "10001", ["state"] = "NY", ["lang"] = "es",
            }),
        };
        request.Headers.Accept.ParseAdd("text/html");
        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"es\">", html);
        Assert.Contains($"<p class=\"err\" id=\"err-email\">{HtmlPages.Encode("Escribe un correo válido, como nombre@ejemplo.com.")}</p>", html);
        Assert.Contains("value=\"rosa@\"", html);
        Assert.Contains("value=\"Rosa\"", html);
        Assert.Contains("<input type=\"hidden\" name=\"lang\" value=\"es\">", html);
        Assert.Equal(0, (await GetPetitionAsync(_client, petition)).GetProperty("signatureCount").GetInt64());
    }

    [Fact]
    public async Task A_form_post_from_a_Spanish_browser_is_answered_in_Spanish_and_the_organizers_page_is_told()
    {
        var petition = await CreatePetitionAsync(_host, AzuriteFixture.Definition() with { ThankYouUrl = "https://campaign.example.org/thanks" });
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _host.Address };
        HttpRequestMessage Post(string email) => new(HttpMethod.Post, $"/api/petitions/{petition}/signatures")
        {
            Content = new StringContent($"firstName=Bo&lastName=Li&email={email}&postalCode=10001&state=NY", Encoding.UTF8, "application/x-www-form-urlencoded"),
            Headers = { { "Accept", "text/html" }, { "Accept-Language", "es-US,es;q=0.9,en;q=0.8" } },
        };

        using var good = Post("bo3%40example.org");
        var redirect = await noRedirect.SendAsync(good);
        Assert.Equal(HttpStatusCode.SeeOther, redirect.StatusCode);
        Assert.Matches("^https://campaign\\.example\\.org/thanks\\?receipt=[^&]+&lang=es$", redirect.Headers.Location!.ToString());

        using var bad = Post("nope");
        var page = await noRedirect.SendAsync(bad);
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Contains(HtmlPages.Encode("Escribe un correo válido"), await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_petition_page_answers_in_the_language_asked_for()
    {
        var petition = await CreatePetitionAsync(_host);
        var spanish = await _client.GetAsync($"/petitions/{petition}?lang=es");
        Assert.Contains("<label for=\"f-email\">Correo electrónico</label>", await spanish.Content.ReadAsStringAsync());
        Assert.DoesNotContain("Accept-Language", spanish.Headers.Vary);

        using var negotiated = new HttpRequestMessage(HttpMethod.Get, $"/petitions/{petition}") { Headers = { { "Accept-Language", "es" } } };
        var response = await _client.SendAsync(negotiated);
        Assert.Contains("<html lang=\"es\">", await response.Content.ReadAsStringAsync());
        Assert.Contains("Accept-Language", response.Headers.Vary);

        var english = await _client.GetStringAsync($"/petitions/{petition}?lang=xx");
        Assert.Contains("<html lang=\"en\">", english);
        Assert.Contains("<label for=\"f-email\">Email</label>", english);
    }

    [Fact]
    public async Task A_form_post_without_an_HTML_accept_gets_the_JSON_receipt()
    {
        var petition = await CreatePetitionAsync(_host);
        var response = await _client.PostAsync($"/api/petitions/{petition}/signatures", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["firstName"] = "Cy", ["lastName"] = "Li", ["email"] = "cy@example.org", ["postalCode"] = "10001", ["state"] = "NY",
        }));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var receipt = await WaitForFinalAsync(_client, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("receiptId").GetString()!);
        Assert.Equal("counted", receipt.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_multipart_form_post_is_accepted()
    {
        var petition = await CreatePetitionAsync(_host);
        using var form = new MultipartFormDataContent
        {
            { new StringContent("Di"), "firstName" }, { new StringContent("Li"), "lastName" }, { new StringContent("di@example.org"), "email" },
            { new StringContent("10001"), "postalCode" }, { new StringContent("NY"), "state" },
        };
        var response = await _client.PostAsync($"/api/petitions/{petition}/signatures", form);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task An_OSDI_record_signature_helper_body_is_counted()
    {
        var petition = await CreatePetitionAsync(_host);
        var osdi = new
        {
            person = new
            {
                given_name = "Eva", family_name = "Ruiz",
                email_addresses = new[] { new { address = "eva@example.org", primary = true } },
                postal_addresses = new[] { new { postal_code = "10001", region = "NY", locality = "New York", country = "US" } },
            },
            comments = "Sí se puede",
        };
        var receipt = await WaitForFinalAsync(_client, await SignAsync(_client, petition, osdi));
        Assert.Equal("counted", receipt.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_preflight_from_an_allowed_origin_is_answered_and_others_are_not()
    {
        var petition = await CreatePetitionAsync(_host);
        async Task<HttpResponseMessage> Preflight(string origin)
        {
            using var request = new HttpRequestMessage(HttpMethod.Options, $"/api/petitions/{petition}/signatures");
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Access-Control-Request-Method", "POST");
            request.Headers.Add("Access-Control-Request-Headers", "content-type");
            return await _client.SendAsync(request);
        }
        var allowed = await Preflight("https://campaign.example.org");
        Assert.Equal("https://campaign.example.org", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("POST", allowed.Headers.GetValues("Access-Control-Allow-Methods").Single());

        var denied = await Preflight("https://evil.example.net");
        Assert.False(denied.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task A_post_from_an_allowed_origin_carries_CORS_headers()
    {
        var petition = await CreatePetitionAsync(_host);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/petitions/{petition}/signatures") { Content = JsonContent.Create(Signer("cors@example.org")) };
        request.Headers.Add("Origin", "https://campaign.example.org");
        var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("https://campaign.example.org", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task The_petition_view_shows_the_public_fields_and_no_email_addresses()
    {
        var petition = await CreatePetitionAsync(_host);
        var json = await _client.GetStringAsync($"/api/petitions/{petition}");
        var view = JsonDocument.Parse(json).RootElement;
        foreach (var field in new[] { "id", "title", "letter", "targets", "status", "goal", "signatureCount", "countsByState" })
            Assert.True(view.TryGetProperty(field, out _), field);
        Assert.DoesNotContain("@", json);
    }

    [Fact]
    public async Task The_list_holds_open_petitions_only()
    {
        var open = await CreatePetitionAsync(_host);
        var closed = await CreatePetitionAsync(_host, AzuriteFixture.Definition(status: "closed"));
        var list = await _client.GetFromJsonAsync<JsonElement[]>("/api/petitions");
        Assert.Contains(list!, p => p.GetProperty("id").GetString() == open);
        Assert.DoesNotContain(list!, p => p.GetProperty("id").GetString() == closed);
    }

    [Fact]
    public async Task Putting_a_petition_creates_it_then_updates_it()
    {
        var id = AzuriteFixture.NewPetitionId();
        using var admin = _host.CreateClient(AzuriteFixture.AdminKey);
        var created = await admin.PutAsJsonAsync($"/api/admin/petitions/{id}", AzuriteFixture.Definition());
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var updated = await admin.PutAsJsonAsync($"/api/admin/petitions/{id}", AzuriteFixture.Definition(title: "New title"));
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal("New title", (await GetPetitionAsync(_client, id)).GetProperty("title").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    public async Task Admin_routes_refuse_a_missing_or_wrong_key(string? key)
    {
        using var client = _host.CreateClient(key);
        var response = await client.PutAsJsonAsync($"/api/admin/petitions/{AzuriteFixture.NewPetitionId()}", AzuriteFixture.Definition());
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task A_bad_petition_definition_is_refused_with_its_fields()
    {
        using var admin = _host.CreateClient(AzuriteFixture.AdminKey);
        var response = await admin.PutAsJsonAsync($"/api/admin/petitions/{AzuriteFixture.NewPetitionId()}", new { title = "", goal = 0 });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var fields = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.Contains("title", fields);
        Assert.Contains("goal", fields);
    }

    [Fact]
    public async Task An_unknown_receipt_is_not_found_and_an_issued_one_is_pending_until_processed()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/receipts/not-a-receipt")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/api/receipts/{new string('a', ReceiptId.Length)}")).StatusCode);
    }

    [Fact]
    public async Task Rejections_and_duplicates_are_listed_for_organizers_without_personal_data()
    {
        var petition = await CreatePetitionAsync(_host);
        await WaitForFinalAsync(_client, await SignAsync(_client, petition, Signer("dup@example.org")));
        await WaitForFinalAsync(_client, await SignAsync(_client, petition, Signer("DUP@example.org")));
        using var admin = _host.CreateClient(AzuriteFixture.AdminKey);
        var json = await admin.GetStringAsync($"/api/admin/petitions/{petition}/outcomes?status=duplicate");
        var list = JsonDocument.Parse(json).RootElement;
        Assert.Equal(1, list.GetArrayLength());
        Assert.Equal("duplicate", list[0].GetProperty("reason").GetString());
        Assert.DoesNotContain("dup@", json, StringComparison.OrdinalIgnoreCase);
    }
}
