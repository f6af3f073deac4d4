using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using SignaturePipeline.Signatures;
using SignaturePipeline.Web.Http;

namespace SignaturePipeline.Web.Embed;

/// <summary>
/// <c>GET /api/embed.js</c>: the signing form organizers drop into their pages with one script tag.
/// The script is built once per process (the state list comes from <see cref="UsStates"/>, so the two cannot
/// drift) and kept gzipped, because every visitor of every campaign page downloads it.
/// </summary>
public sealed class EmbedEndpoints
{
    public const string ContentType = "text/javascript; charset=utf-8";

    // The URL is unversioned (organizers paste it once), so caches must come back: an hour fresh, then a
    // cheap 304 against the ETag; a day of stale-while-revalidate keeps pages fast across deploys.
    public const string CacheControl = "public, max-age=3600, stale-while-revalidate=86400";

    private readonly byte[] _plain;
    private readonly byte[] _gzip;
    private readonly string _etag;

    public EmbedEndpoints()
    {
        _plain = Encoding.UTF8.GetBytes(Build());
        using (var buffer = new MemoryStream())
        {
            using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
                gzip.Write(_plain);
            _gzip = buffer.ToArray();
        }
        _etag = Convert.ToHexStringLower(SHA256.HashData(_plain).AsSpan(0, 12));
    }

    public int Length => _plain.Length;

    public static string Build()
    {
        var assembly = typeof(EmbedEndpoints).Assembly;
        using var stream = assembly.GetManifestResourceStream("SignaturePipeline.Web.Embed.embed.js")
            ?? throw new InvalidOperationException("embed.js is not embedded in the Web assembly.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var source = reader.ReadToEnd();
        var states = JsonSerializer.Serialize(UsStates.Codes.Select(code => new[] { code, UsStates.NameOf(code) }));
        const string placeholder = "/*STATES*/[]";
        if (!source.Contains(placeholder, StringComparison.Ordinal))
            throw new InvalidOperationException("embed.js lost its state list placeholder.");
        return source.Replace(placeholder, states, StringComparison.Ordinal);
    }

    public IResult Script(HttpContext context)
    {
        var gzip = AcceptsGzip(context.Request);
        // Each encoding is its own representation, so each gets its own strong validator.
        var etag = gzip ? $"\"{_etag}-gz\"" : $"\"{_etag}\"";
        var headers = context.Response.Headers;
        headers.CacheControl = CacheControl;
        headers.ETag = etag;
        headers.Vary = "Accept-Encoding";
        // Script tags load it cross-origin; these let pages that set COEP, or that add integrity="…", still use it.
        headers.AccessControlAllowOrigin = "*";
        headers["Cross-Origin-Resource-Policy"] = "cross-origin";
        headers.XContentTypeOptions = "nosniff";

        if (EntityTags.Matches(context.Request, etag)) return Results.StatusCode(StatusCodes.Status304NotModified);
        if (gzip) headers.ContentEncoding = "gzip";
        return Results.Bytes(gzip ? _gzip : _plain, ContentType);
    }

    private static bool AcceptsGzip(HttpRequest request) =>
        request.GetTypedHeaders().AcceptEncoding.Any(e =>
            (e.Value.Equals("gzip", StringComparison.OrdinalIgnoreCase) || e.Value.Equals("*", StringComparison.Ordinal)) && (e.Quality ?? 1) > 0);
}
