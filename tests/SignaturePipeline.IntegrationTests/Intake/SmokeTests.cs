using System.Net;
using System.Net.Http.Json;
using SignaturePipeline.IntegrationTests.Infrastructure;

namespace SignaturePipeline.IntegrationTests.Intake;

[Collection(AzuriteGroup.Name)]
public sealed class SmokeTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Host_starts_and_lists_petitions()
    {
        await using var host = await azurite.StartHostAsync();
        using var client = host.CreateClient();
        var response = await client.GetAsync("/api/petitions");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(await response.Content.ReadFromJsonAsync<object[]>());
    }
}
