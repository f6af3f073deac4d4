using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SignaturePipeline.IntegrationTests.Infrastructure;
using static SignaturePipeline.IntegrationTests.Infrastructure.PipelineClient;

namespace SignaturePipeline.IntegrationTests.Abuse;

/// <summary>
/// Bodies sent chunked, without a Content-Length to check up front: the signer forms and the admin bodies enforce their
/// caps while reading, and answer 413 with the usual problem shape.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class ChunkedBodyTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private RunningHost _host = null!;
    private HttpClient _client = null!;
    private HttpClient _admin = null!;
    private string _petition = "";

    public async Task InitializeAsync()
    {
        _host = await azurite.StartHostAsync();
        _client = _host.CreateClient();
        _admin = _host.CreateClient(AzuriteFixture.AdminKey);
        _petition = await CreatePetitionAsync(_host);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        _admin.Dispose();
        await _host.DisposeAsync();
    }

    [Theory]
    [InlineData("confirm")]
    [InlineData("confirm/resend")]
    [InlineData("remove")]
    public async Task A_chunked_signer_form_over_4_KiB_gets_413(string action)
    {
        using var content = new ChunkedContent(Encoding.UTF8.GetBytes("token=x&pad=" + new string('x', 5000)), "application/x-www-form-urlencoded");
        await AssertTooLargeAsync(await _client.PostAsync($"/petitions/{_petition}/{action}", content));
    }

    [Fact]
    public async Task A_chunked_signer_form_under_4_KiB_is_read_as_before()
    {
        using var content = new ChunkedContent(Encoding.UTF8.GetBytes("token=not-a-token"), "application/x-www-form-urlencoded");
        var response = await _client.PostAsync($"/petitions/{_petition}/confirm", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("text/html", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chunked_admin_body_over_its_cap_gets_413()
    {
        var erase = "{\"email\":\"" + new string('a', 600 * 1024) + "@example.org\"}";
        using var content = new ChunkedContent(Encoding.UTF8.GetBytes(erase), "application/json");
        await AssertTooLargeAsync(await _admin.PostAsync($"/api/admin/petitions/{_petition}/erase", content));

        var definition = "{\"title\":\"" + new string('t', 300 * 1024) + "\"}";
        using var put = new ChunkedContent(Encoding.UTF8.GetBytes(definition), "application/json");
        await AssertTooLargeAsync(await _admin.PutAsync($"/api/admin/petitions/{AzuriteFixture.NewPetitionId()}", put));
    }

    private static async Task AssertTooLargeAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("body_too_large", problem.GetProperty("code").GetString());
    }
}
