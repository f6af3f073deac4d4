using Microsoft.AspNetCore.Http;

namespace SignaturePipeline.Web.Http;

/// <summary>
/// A request body read with its cap enforced while reading, not by the declared <c>Content-Length</c> alone: a chunked
/// body declares none, and would otherwise be read (or parsed) to any length.
/// </summary>
public static class BoundedBody
{
    /// <summary>
    /// The whole body, as a seekable stream for a parser, or null when it is longer than <paramref name="limit"/> bytes.
    /// At most one byte past the limit is read; the buffer grows as the body comes, from the declared length if any.
    /// </summary>
    public static async Task<MemoryStream?> ReadAsync(HttpRequest request, int limit, CancellationToken ct)
    {
        if (request.ContentLength > limit) return null;
        var buffer = new byte[request.ContentLength is long declared ? (int)declared + 1 : Math.Min(1024, limit + 1)];
        var total = 0;
        while (true)
        {
            if (total == buffer.Length)
            {
                if (total > limit) break;
                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, limit + 1));
            }
            var read = await request.Body.ReadAsync(buffer.AsMemory(total), ct).ConfigureAwait(false);
            if (read == 0) break;
            total += read;
        }
        return total > limit ? null : new MemoryStream(buffer, 0, total, writable: false);
    }
}
