using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SignaturePipeline.IntegrationTests.Infrastructure;

namespace SignaturePipeline.IntegrationTests.Abuse;

[Collection(AzuriteGroup.Name)]
public sealed class AdminSecurityTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Every_admin_route_in_the_endpoint_data_source_refuses_a_missing_or_wrong_key_with_401_and_echoes_no_secret()
    {
        await using var host = await azurite.StartHostAsync();
        var endpoints = ((IEndpointRouteBuilder)host.App).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && (raw.StartsWith("/api/admin", StringComparison.Ordinal) || raw.StartsWith("/admin", StringComparison.Ordinal)))
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Route: e.RoutePattern.RawText!)))
            .ToList();
        // Every admin route of the contract, and then some: a new one is covered without editing this test.
        Assert.True(endpoints.Count >= 13, string.Join(", ", endpoints));

        using var anonymous = host.CreateClient();
        using var wrong = host.CreateClient(AzuriteFixture.AdminKey + "x");
        using var empty = host.CreateClient("");
        foreach (var (method, route) in endpoints)
        {
            var path = System.Text.RegularExpressions.Regex.Replace(route, @"\{[^}]+\}", "x-petition");
            foreach (var (client, suffix) in new[] { (anonymous, ""), (wrong, ""), (empty, ""), (anonymous, "?code=" + AzuriteFixture.AdminKey[..^1]) })
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path + suffix) { Content = method is "GET" or "HEAD" ? null : new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
                var response = await client.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path}{suffix}: {(int)response.StatusCode}");
                Assert.DoesNotContain(AzuriteFixture.AdminKey, body, StringComparison.Ordinal);
                Assert.DoesNotContain(AzuriteFixture.SecretKey, body, StringComparison.Ordinal);
                Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
            }
        }
    }
}
