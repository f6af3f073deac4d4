using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Signatures;
using static SignaturePipeline.IntegrationTests.Infrastructure.PipelineClient;

namespace SignaturePipeline.IntegrationTests.Intake;

/// <summary>
/// Hostile and broken requests against the real host: each gets the right 4xx with a machine-readable code
/// and a message a form can show, and none of them stores or counts anything.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class BadInputTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private RunningHost _host = null!;
    private HttpClient _client = null!;
    private string _open = "";
    private string _closed = "";

    public async Task InitializeAsync()
    {
        _host = await azurite.StartHostAsync();
        _client = _host.CreateClient();
        _open = await CreatePetitionAsync(_host);
        _closed = await CreatePetitionAsync(_host, AzuriteFixture.Definition(status: "closed"));
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
    }

    public sealed record BadInput(string Name, string ContentType, string Body, HttpStatusCode Status, string Code, string? Field = null, string? Petition = null)
    {
        public override string ToString() => Name;
    }

    private static string J(object o) => JsonSerializer.Serialize(o);

    private static Dictionary<string, object?> Good() => new()
    {
        ["firstName"] = "Ana", ["lastName"] = "Li", ["email"] = "ana@example.org", ["postalCode"] = "10001", ["state"] = "NY",
    };

    private static string With(string key, object? value)
    {
        var body = Good();
        body[key] = value;
        return J(body);
    }

    private static string Without(string key)
    {
        var body = Good();
        body.Remove(key);
        return J(body);
    }

    private const string Json = "application/json";
    private const string Form = "application/x-www-form-urlencoded";
    private const string Invalid = "validation_failed";

    public static TheoryData<BadInput> Cases() =>
    [
        new("malformed JSON", Json, "{\"firstName\":", HttpStatusCode.BadRequest, "malformed_body"),
        new("JSON array", Json, "[1,2]", HttpStatusCode.BadRequest, "malformed_body"),
        new("JSON string", Json, "\"Ana\"", HttpStatusCode.BadRequest, "malformed_body"),
        new("empty body", Json, "", HttpStatusCode.BadRequest, "malformed_body"),
        new("trailing comma", Json, "{\"firstName\":\"Ana\",}", HttpStatusCode.BadRequest, "malformed_body"),
        new("number as name", Json, With("firstName", 42), HttpStatusCode.BadRequest, "malformed_body", "firstName"),
        new("object as email", Json, With("email", new { a = 1 }), HttpStatusCode.BadRequest, "malformed_body", "email"),
        new("deep JSON", Json, "{\"x\":" + new string('[', 200) + new string(']', 200) + "}", HttpStatusCode.BadRequest, "malformed_body"),
        new("plain text", "text/plain", "Ana Li ana@example.org", HttpStatusCode.UnsupportedMediaType, "unsupported_media_type"),
        new("XML", "application/xml", "<signature/>", HttpStatusCode.UnsupportedMediaType, "unsupported_media_type"),
        new("no content type", "", J(Good()), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type"),
        new("oversized body", Json, With("comment", new string('x', 17_000)), HttpStatusCode.RequestEntityTooLarge, "body_too_large"),
        new("oversized form", Form, "comment=" + new string('x', 17_000), HttpStatusCode.RequestEntityTooLarge, "body_too_large"),
        new("missing first name", Json, Without("firstName"), HttpStatusCode.BadRequest, Invalid, "firstName"),
        new("missing last name", Json, Without("lastName"), HttpStatusCode.BadRequest, Invalid, "lastName"),
        new("blank name", Json, With("firstName", "   "), HttpStatusCode.BadRequest, Invalid, "firstName"),
        new("name too long", Json, With("lastName", new string('a', 101)), HttpStatusCode.BadRequest, Invalid, "lastName"),
        new("URL in name", Json, With("firstName", "http://spam.example"), HttpStatusCode.BadRequest, Invalid, "firstName"),
        new("domain in name", Json, With("lastName", "cheap-pills.com"), HttpStatusCode.BadRequest, Invalid, "lastName"),
        new("script in name", Json, With("firstName", "<script>alert(1)</script>"), HttpStatusCode.BadRequest, Invalid, "firstName"),
        new("img tag in name", Json, With("lastName", "<img src=x onerror=alert(1)>"), HttpStatusCode.BadRequest, Invalid, "lastName"),
        new("formula =", Json, With("firstName", "=HYPERLINK(\"http://x\",\"y\")"), HttpStatusCode.BadRequest, Invalid, "firstName"),
        new("formula +", Json, With("firstName", "+cmd|'/C calc'!A0"), HttpStatusCode.BadRequest, Invalid, "firstName"),
        new("formula -", Json, With("lastName", "-2+3"), HttpStatusCode.BadRequest, Invalid, "lastName"),
        new("formula @", Json, With("lastName", "@SUM(1)"), HttpStatusCode.BadRequest, Invalid, "lastName"),
        new("null byte in name", Json, With("firstName", "Ana\u0000"), HttpStatusCode.BadRequest, Invalid, "firstName"),
        new("bidi override in name", Json, With("firstName", "Ana\u202E"), HttpStatusCode.BadRequest, Invalid, "firstName"),
        new("digits-only name", Json, With("firstName", "1234"), HttpStatusCode.BadRequest, Invalid, "firstName"),
        new("missing email", Json, Without("email"), HttpStatusCode.BadRequest, Invalid, "email"),
        new("email without at", Json, With("email", "ana.example.org"), HttpStatusCode.BadRequest, Invalid, "email"),
        new("email without domain dot", Json, With("email", "ana@localhost"), HttpStatusCode.BadRequest, Invalid, "email"),
        new("email with two ats", Json, With("email", "ana@@example.org"), HttpStatusCode.BadRequest, Invalid, "email"),
        new("email with spaces", Json, With("email", "ana li@example.org"), HttpStatusCode.BadRequest, Invalid, "email"),
        new("email with markup", Json, With("email", "<a>@example.org"), HttpStatusCode.BadRequest, Invalid, "email"),
        new("missing ZIP", Json, Without("postalCode"), HttpStatusCode.BadRequest, Invalid, "postalCode"),
        new("4-digit ZIP", Json, With("postalCode", "1000"), HttpStatusCode.BadRequest, Invalid, "postalCode"),
        new("letters in ZIP", Json, With("postalCode", "1O0O1"), HttpStatusCode.BadRequest, Invalid, "postalCode"),
        new("7-digit ZIP", Json, With("postalCode", "1000112"), HttpStatusCode.BadRequest, Invalid, "postalCode"),
        new("ZIP from California with NY", Json, With("postalCode", "90210"), HttpStatusCode.BadRequest, Invalid, "postalCode"),
        new("ZIP from Massachusetts with NY", Json, With("postalCode", "02139"), HttpStatusCode.BadRequest, Invalid, "postalCode"),
        new("missing state", Json, Without("state"), HttpStatusCode.BadRequest, Invalid, "state"),
        new("unknown state", Json, With("state", "XX"), HttpStatusCode.BadRequest, Invalid, "state"),
        new("state misspelled", Json, With("state", "New Yrok"), HttpStatusCode.BadRequest, Invalid, "state"),
        new("non-US country", Json, With("country", "Canada"), HttpStatusCode.BadRequest, Invalid, "country"),
        new("comment too long", Json, With("comment", new string('c', 1001)), HttpStatusCode.BadRequest, Invalid, "comment"),
        new("null byte in comment", Json, With("comment", "hi\u0000"), HttpStatusCode.BadRequest, Invalid, "comment"),
        new("markup in city", Json, With("city", "<b>NYC</b>"), HttpStatusCode.BadRequest, Invalid, "city"),
        new("form with bad email", Form, "firstName=Ana&lastName=Li&email=nope&postalCode=10001&state=NY", HttpStatusCode.BadRequest, Invalid, "email"),
        new("OSDI with bad ZIP", Json, J(new { person = new { given_name = "Ana", family_name = "Li", email_addresses = new[] { new { address = "ana@example.org" } }, postal_addresses = new[] { new { postal_code = "99", region = "NY" } } } }), HttpStatusCode.BadRequest, Invalid, "postalCode"),
        new("OSDI with a string for addresses", Json, "{\"person\":{\"email_addresses\":\"ana@example.org\"}}", HttpStatusCode.BadRequest, "malformed_body"),
        new("unknown petition", Json, J(Good()), HttpStatusCode.NotFound, "petition_not_found", Petition: "no-such-petition"),
        new("petition id that cannot exist", Json, J(Good()), HttpStatusCode.NotFound, "petition_not_found", Petition: "BAD_ID"),
        new("closed petition", Json, J(Good()), HttpStatusCode.Conflict, "petition_closed", Petition: "closed"),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_gets_a_clear_4xx_and_nothing_is_stored(BadInput c)
    {
        var petition = c.Petition switch { null => _open, "closed" => _closed, var other => other };
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(c.Body));
        if (c.ContentType.Length > 0) content.Headers.TryAddWithoutValidation("Content-Type", c.ContentType);
        var response = await _client.PostAsync($"/api/petitions/{petition}/signatures", content);

        Assert.Equal(c.Status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(c.Code, problem.GetProperty("code").GetString());
        Assert.Equal((int)c.Status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        if (c.Field is not null)
        {
            var error = problem.GetProperty("errors").EnumerateArray().First(e => e.GetProperty("field").GetString() == c.Field);
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        }
        Assert.DoesNotContain("Exception", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var store = _host.Services.GetRequiredService<SignatureStore>();
        Assert.Equal(0, (await store.GetCountsAsync(_open, CancellationToken.None)).Total);
        Assert.Equal(0, (await store.RecountAsync(_open, CancellationToken.None)).Total);
    }

    [Fact]
    public async Task A_chunked_body_longer_than_the_first_read_buffer_is_read_whole_and_accepted()
    {
        // About 1.1 KB: past the 1 KiB the reader starts with when no length is declared.
        using var content = new ChunkedContent(Encoding.UTF8.GetBytes(With("comment", new string('y', 990))), Json);
        var response = await _client.PostAsync($"/api/petitions/{_open}/signatures", content);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task A_chunked_body_over_16_KiB_gets_413_like_a_declared_one()
    {
        using var content = new ChunkedContent(Encoding.UTF8.GetBytes(With("comment", new string('x', 17_000))), Json);
        var response = await _client.PostAsync($"/api/petitions/{_open}/signatures", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("body_too_large", problem.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData(Json)]
    [InlineData(Form)]
    public async Task A_body_that_starts_with_a_UTF8_byte_order_mark_is_accepted(string contentType)
    {
        var text = contentType == Json ? J(Good()) : "firstName=Ana&lastName=Li&email=ana%40example.org&postalCode=10001&state=NY";
        using var content = new ByteArrayContent([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)]);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        var response = await _client.PostAsync($"/api/petitions/{_open}/signatures", content);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public void There_are_at_least_forty_distinct_bad_inputs() => Assert.True(Cases().Count >= 40);

    [Fact]
    public async Task A_bad_form_post_from_a_browser_gets_an_HTML_page_listing_the_errors_escaped()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/petitions/{_open}/signatures")
        {
            Content = new StringContent("firstName=%3Cscript%3Ex%3C%2Fscript%3E&lastName=Li&email=nope&postalCode=10001&state=NY", Encoding.UTF8, Form),
        };
        request.Headers.Accept.ParseAdd("text/html");
        var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Enter a valid email address", html);
        Assert.DoesNotContain("<script>", html);
    }
}
