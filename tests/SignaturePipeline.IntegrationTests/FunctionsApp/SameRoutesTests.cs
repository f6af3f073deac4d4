using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using SignaturePipeline.IntegrationTests.Infrastructure;

namespace SignaturePipeline.IntegrationTests.FunctionsApp;

/// <summary>The local host is how the pipeline runs on a laptop: it must answer every route the deployed app answers.</summary>
[Collection(AzuriteGroup.Name)]
public sealed partial class SameRoutesTests(AzuriteFixture azurite)
{
    private static HashSet<(string Method, string Route)> FunctionsAppRoutes()
    {
        var configuration = typeof(SameRoutesTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        var metadata = Path.Combine(AzuriteFixture.RepositoryRoot, "functions", "SignaturePipeline.Functions", "bin", configuration, "net10.0", "functions.metadata");
        using var document = JsonDocument.Parse(File.ReadAllText(metadata));
        return [.. from f in document.RootElement.EnumerateArray()
                   from b in f.GetProperty("bindings").EnumerateArray()
                   where b.GetProperty("type").GetString() == "httpTrigger"
                   from m in b.GetProperty("methods").EnumerateArray()
                   select (m.GetString()!.ToUpperInvariant(), Shape(b.GetProperty("route").GetString()!))];
    }

    private static string Shape(string route) => Parameter().Replace(route.TrimStart('/'), "{}");

    [Fact]
    public async Task The_local_host_serves_every_route_the_Functions_app_declares_with_the_same_methods()
    {
        await using var host = await azurite.StartHostAsync();
        var local = ((IEndpointRouteBuilder)host.App).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (m, Shape(e.RoutePattern.RawText!))))
            .ToHashSet();
        var functions = FunctionsAppRoutes();
        Assert.True(functions.Count >= 28, $"{functions.Count} routes in functions.metadata");
        Assert.All(functions, r => Assert.True(local.Contains(r), $"{r.Method} /{r.Route} is served in Azure but not by the local host"));
    }

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Parameter();
}
