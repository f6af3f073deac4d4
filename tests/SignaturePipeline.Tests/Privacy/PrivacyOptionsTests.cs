using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SignaturePipeline.Privacy;

namespace SignaturePipeline.Tests.Privacy;

public sealed class PrivacyOptionsTests
{
    private static IOptions<PrivacyOptions> Options(string retentionDays)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["Privacy:RetentionDays"] = retentionDays,
        }).Build();
        return new ServiceCollection().AddSignaturePipeline(configuration).BuildServiceProvider().GetRequiredService<IOptions<PrivacyOptions>>();
    }

    [Fact]
    public void A_retention_of_zero_days_stops_the_host_at_start()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Options("0").Value);
        Assert.Contains("RetentionDays", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_retention_of_one_day_or_more_is_accepted() => Assert.Equal(1, Options("1").Value.RetentionDays);
}
