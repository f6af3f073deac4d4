using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace SignaturePipeline.Storage;

/// <summary>
/// The storage account, read from the setting the Functions host itself uses: <c>AzureWebJobsStorage</c>.
/// Either a connection string (Azurite: <c>UseDevelopmentStorage=true</c>), or, in Azure, the
/// identity-based form <c>AzureWebJobsStorage__tableServiceUri</c>, <c>__queueServiceUri</c>,
/// <c>__blobServiceUri</c>, <c>__credential=managedidentity</c> and <c>__clientId</c>.
/// One reading of the setting serves both hosts, so they can never disagree about the account.
/// </summary>
public sealed class StorageConnection
{
    public const string SettingName = "AzureWebJobsStorage";

    private StorageConnection(string? connectionString, Uri? tableUri, Uri? queueUri, Uri? blobUri, TokenCredential? credential)
    {
        ConnectionString = connectionString;
        TableServiceUri = tableUri;
        QueueServiceUri = queueUri;
        BlobServiceUri = blobUri;
        Credential = credential;
    }

    public string? ConnectionString { get; }
    public Uri? TableServiceUri { get; }
    public Uri? QueueServiceUri { get; }
    public Uri? BlobServiceUri { get; }
    public TokenCredential? Credential { get; }

    public bool UsesIdentity => Credential is not null;

    public static StorageConnection FromConfiguration(IConfiguration configuration)
    {
        var value = configuration[SettingName];
        if (!string.IsNullOrWhiteSpace(value)) return new StorageConnection(value, null, null, null, null);

        var section = configuration.GetSection(SettingName);
        var table = Uri(section, "tableServiceUri");
        var queue = Uri(section, "queueServiceUri");
        var blob = Uri(section, "blobServiceUri");
        var accountName = section["accountName"];
        if (!string.IsNullOrWhiteSpace(accountName))
        {
            table ??= new Uri($"https://{accountName}.table.core.windows.net");
            queue ??= new Uri($"https://{accountName}.queue.core.windows.net");
            blob ??= new Uri($"https://{accountName}.blob.core.windows.net");
        }
        if (table is null || queue is null || blob is null)
            throw new InvalidOperationException(
                $"Storage is not configured. Set '{SettingName}' to a connection string (UseDevelopmentStorage=true for Azurite), " +
                $"or set '{SettingName}__tableServiceUri', '{SettingName}__queueServiceUri' and '{SettingName}__blobServiceUri' for a managed identity.");

        return new StorageConnection(null, table, queue, blob, CreateCredential(section));
    }

    /// <summary>
    /// Mirrors the Functions host: <c>credential=managedidentity</c> with an optional <c>clientId</c>
    /// picks that identity; anything else falls back to DefaultAzureCredential (developer sign-in).
    /// </summary>
    internal static TokenCredential CreateCredential(IConfigurationSection section)
    {
        var clientId = section["clientId"];
        if (string.Equals(section["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase))
            return string.IsNullOrWhiteSpace(clientId)
                ? new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned)
                : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
        return new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = string.IsNullOrWhiteSpace(clientId) ? null : clientId,
        });
    }

    public TableServiceClient CreateTableServiceClient(TableClientOptions? options = null) =>
        ConnectionString is not null
            ? new TableServiceClient(ConnectionString, options)
            : new TableServiceClient(TableServiceUri!, Credential!, options);

    /// <summary>Base64, because that is what a Functions queue trigger decodes; plain text would go straight to poison.</summary>
    public QueueServiceClient CreateQueueServiceClient()
    {
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        return ConnectionString is not null
            ? new QueueServiceClient(ConnectionString, options)
            : new QueueServiceClient(QueueServiceUri!, Credential!, options);
    }

    public BlobServiceClient CreateBlobServiceClient() =>
        ConnectionString is not null
            ? new BlobServiceClient(ConnectionString)
            : new BlobServiceClient(BlobServiceUri!, Credential!);

    private static Uri? Uri(IConfigurationSection section, string key) =>
        string.IsNullOrWhiteSpace(section[key]) ? null : new Uri(section[key]!, UriKind.Absolute);
}
