using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SignaturePipeline.IntegrationTests.Infrastructure;

namespace SignaturePipeline.IntegrationTests.Operations;

/// <summary>Logs outlive the links in signers' mailboxes: what a request log keeps must not open anyone's signature.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class RequestLogTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_token_or_an_admin_key_in_a_query_string_never_reaches_the_logs_but_the_route_does()
    {
        var logs = new LogCapture();
        await using var host = await azurite.StartHostAsync(configure: s => s.AddLogging(b => b.AddProvider(logs)));
        using var client = host.CreateClient();
        const string token = "tok3n-that-confirms-a-signature";

        await client.GetAsync($"/petitions/some-petition/confirm?token={token}");
        await client.GetAsync($"/petitions/some-petition/remove?token={token}");
        await client.GetAsync($"/api/admin/health?code={AzuriteFixture.AdminKey}");

        await logs.WaitForAsync(l => l.Contains("HTTP GET /api/admin/health answered 200", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.Contains(logs.Lines, l => l.Contains("HTTP GET /petitions/{petitionId}/confirm answered", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, l => l.Contains("HTTP GET /petitions/{petitionId}/remove answered", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains(token, StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains(AzuriteFixture.AdminKey, StringComparison.Ordinal));
    }
}
