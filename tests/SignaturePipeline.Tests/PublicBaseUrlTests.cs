namespace SignaturePipeline.Tests;

/// <summary>Where links in emails point when nobody configured <c>Pipeline__PublicBaseUrl</c>.</summary>
public sealed class PublicBaseUrlTests
{
    [Theory]
    [InlineData("https://petitions.example.org/", "func-sigs.azurewebsites.net", "https://petitions.example.org")]
    [InlineData(null, "func-sigs.azurewebsites.net", "https://func-sigs.azurewebsites.net")]
    [InlineData("", "func-sigs-abc.eastus-01.azurewebsites.net", "https://func-sigs-abc.eastus-01.azurewebsites.net")]
    [InlineData("", "localhost:7071", "http://localhost:7071")]
    [InlineData("", "127.0.0.1:7071", "http://127.0.0.1:7071")]
    [InlineData("", null, null)]
    [InlineData("  ", "", null)]
    public void A_configured_address_wins_and_else_Azure_gives_the_apps_own_host_name(string? configured, string? platform, string? expected) =>
        Assert.Equal(expected, PipelineOptions.PublicBaseUrlOrPlatformDefault(configured, platform));
}
