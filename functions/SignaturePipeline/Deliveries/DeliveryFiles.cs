using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Azure.Storage.Sas;
using SignaturePipeline.Storage;

namespace SignaturePipeline.Deliveries;

/// <summary>
/// The files of a delivery in container <c>deliveries</c>, under <c>{petition}/{target}/{isoWeek}/</c>: <c>delivery.pdf</c>,
/// <c>signers.csv</c>, <c>manifest.json</c>. Petition and target ids are slugs, so the path needs no escaping. Compiling a
/// delivery again overwrites them with the same list.
/// </summary>
public sealed class DeliveryFiles(BlobServiceClient blobs, StorageConnection storage)
{
    public const string PdfName = "delivery.pdf";
    public const string CsvName = "signers.csv";
    public const string ManifestName = "manifest.json";

    private readonly BlobContainerClient _container = blobs.GetBlobContainerClient(ContainerNames.Deliveries);

    public static string FolderOf(string petitionId, string targetId, string week) => $"{petitionId}/{targetId}/{week}/";

    public BlockBlobClient Blob(string folder, string name) => _container.GetBlockBlobClient(folder + name);

    /// <summary>A write stream that uploads blocks as they fill (4 MiB each), so a file of any size never sits in memory.</summary>
    public async Task<Stream> OpenWriteAsync(string folder, string name, string contentType, CancellationToken ct) =>
        await Blob(folder, name).OpenWriteAsync(overwrite: true, new BlockBlobOpenWriteOptions
        {
            BufferSize = 4 * 1024 * 1024,
            HttpHeaders = new BlobHttpHeaders { ContentType = contentType, ContentDisposition = $"attachment; filename=\"{name}\"" },
        }, ct).ConfigureAwait(false);

    /// <summary>Deletes a delivery's signer lists (PDF and CSV); the manifest, which names no signer, stays as the record of what was sent.</summary>
    public async Task DeleteListsAsync(string folder, CancellationToken ct)
    {
        foreach (var name in new[] { PdfName, CsvName })
            await Blob(folder, name).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: ct).ConfigureAwait(false);
    }

    public async Task<byte[]> ReadAllAsync(string folder, string name, CancellationToken ct) =>
        (await Blob(folder, name).DownloadContentAsync(ct).ConfigureAwait(false)).Value.Content.ToArray();

    /// <summary>
    /// A read-only link that expires. With an account key (a connection string, Azurite), a service SAS signed by the key;
    /// with a managed identity (shared keys are disabled on the deployed account), a user-delegation SAS signed by a key
    /// the identity obtains from Entra ID, which is why its validity is capped at seven days.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, Uri>> LinksAsync(string folder, IEnumerable<string> names, DateTimeOffset now, DateTimeOffset expiresOn, CancellationToken ct)
    {
        var links = new Dictionary<string, Uri>(StringComparer.Ordinal);
        UserDelegationKey? key = null;
        if (storage.UsesIdentity)
            key = (await blobs.GetUserDelegationKeyAsync(now.AddMinutes(-5), expiresOn, ct).ConfigureAwait(false)).Value;
        foreach (var name in names)
        {
            var blob = Blob(folder, name);
            var sas = new BlobSasBuilder
            {
                BlobContainerName = blob.BlobContainerName,
                BlobName = blob.Name,
                Resource = "b",
                // A little slack for clocks that run behind ours.
                StartsOn = now.AddMinutes(-5),
                ExpiresOn = expiresOn,
            };
            sas.SetPermissions(BlobSasPermissions.Read);
            links[name] = key is null
                ? blob.GenerateSasUri(sas)
                : new BlobUriBuilder(blob.Uri) { Sas = sas.ToSasQueryParameters(key, blobs.AccountName) }.ToUri();
        }
        return links;
    }
}

/// <summary>Passes bytes through to the blob while it hashes and counts them, for the manifest's per-file SHA-256.</summary>
internal sealed class HashingStream(Stream inner) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long BytesWritten { get; private set; }

    public string HexDigest() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        BytesWritten += buffer.Length;
        inner.Write(buffer);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _hash.AppendData(buffer.Span);
        BytesWritten += buffer.Length;
        await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => BytesWritten;
    public override long Position { get => BytesWritten; set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _hash.Dispose();
        base.Dispose(disposing);
    }
}
