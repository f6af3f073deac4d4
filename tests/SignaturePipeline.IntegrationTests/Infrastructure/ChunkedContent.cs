using System.Net;

namespace SignaturePipeline.IntegrationTests.Infrastructure;

/// <summary>A body sent without Content-Length (chunked), as a streaming client would: caps must hold while reading.</summary>
public sealed class ChunkedContent : HttpContent
{
    private readonly byte[] _bytes;

    public ChunkedContent(byte[] bytes, string contentType)
    {
        _bytes = bytes;
        Headers.TryAddWithoutValidation("Content-Type", contentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(_bytes).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
