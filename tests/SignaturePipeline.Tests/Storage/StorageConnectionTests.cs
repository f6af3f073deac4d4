using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SignaturePipeline.Storage;

namespace SignaturePipeline.Tests.Storage;

public sealed class StorageConnectionTests
{
    private static IConfiguration Config(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void A_connection_string_is_used_as_it_is()
    {
        var storage = StorageConnection.FromConfiguration(Config(("AzureWebJobsStorage", "UseDevelopmentStorage=true")));
        Assert.False(storage.UsesIdentity);
        Assert.Equal("devstoreaccount1", storage.CreateTableServiceClient().AccountName);
    }

    [Fact]
    public void Identity_based_settings_give_clients_on_the_service_uris_with_the_user_assigned_identity()
    {
        var storage = StorageConnection.FromConfiguration(Config(
            ("AzureWebJobsStorage:credential", "managedidentity"),
            ("AzureWebJobsStorage:clientId", "00000000-0000-0000-0000-000000000001"),
            ("AzureWebJobsStorage:tableServiceUri", "https://acct.table.core.windows.net/"),
            ("AzureWebJobsStorage:queueServiceUri", "https://acct.queue.core.windows.net/"),
            ("AzureWebJobsStorage:blobServiceUri", "https://acct.blob.core.windows.net/")));

        Assert.True(storage.UsesIdentity);
        Assert.IsType<ManagedIdentityCredential>(storage.Credential);
        Assert.Equal("acct", storage.CreateTableServiceClient().AccountName);
        Assert.Equal("acct", storage.CreateQueueServiceClient().AccountName);
        Assert.Equal("acct", storage.CreateBlobServiceClient().AccountName);
    }

    [Fact]
    public void Without_a_managed_identity_the_developer_credential_chain_is_used()
    {
        var storage = StorageConnection.FromConfiguration(Config(("AzureWebJobsStorage:accountName", "acct")));
        Assert.IsType<DefaultAzureCredential>(storage.Credential);
        Assert.Equal(new Uri("https://acct.queue.core.windows.net"), storage.QueueServiceUri);
    }

    [Fact]
    public void Missing_storage_settings_fail_with_a_message_naming_the_settings()
    {
        var error = Assert.Throws<InvalidOperationException>(() => StorageConnection.FromConfiguration(Config()));
        Assert.Contains("AzureWebJobsStorage", error.Message);
    }

    [Fact]
    public void A_missing_secret_key_stops_the_host_at_start()
    {
        var configuration = Config(("AzureWebJobsStorage", "UseDevelopmentStorage=true"));
        using var provider = new ServiceCollection().AddSignaturePipeline(configuration).BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PipelineOptions>>().Value);
        Assert.Contains("SecretKey", error.Message);
    }
}
