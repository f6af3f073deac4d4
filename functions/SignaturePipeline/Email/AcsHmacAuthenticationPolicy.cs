using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace SignaturePipeline.Email;

/// <summary>
/// ACS access-key authentication, as documented for callers without the SDK: every try is signed afresh
/// (x-ms-date must be current), over the verb, path and query, date, host and the body's SHA-256.
/// </summary>
public sealed class AcsHmacAuthenticationPolicy(byte[] accessKey, TimeProvider clock) : HttpPipelinePolicy
{
    public const string SignedHeaders = "x-ms-date;host;x-ms-content-sha256";

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Sign(message, ContentHash(message.Request.Content, message.CancellationToken));
        ProcessNext(message, pipeline);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Sign(message, await ContentHashAsync(message.Request.Content, message.CancellationToken).ConfigureAwait(false));
        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
    }

    private void Sign(HttpMessage message, string contentHash)
    {
        var date = clock.GetUtcNow().ToString("r", CultureInfo.InvariantCulture);
        var uri = message.Request.Uri.ToUri();
        var stringToSign = StringToSign(message.Request.Method.Method, uri.PathAndQuery, date, uri.Authority, contentHash);
        message.Request.Headers.SetValue("x-ms-date", date);
        message.Request.Headers.SetValue("x-ms-content-sha256", contentHash);
        message.Request.Headers.SetValue(HttpHeader.Names.Authorization, AuthorizationHeader(Signature(accessKey, stringToSign)));
    }

    /// <summary>The host is the URL's authority: it carries the port whenever the URL does.</summary>
    public static string StringToSign(string method, string pathAndQuery, string date, string host, string contentHash) =>
        $"{method.ToUpperInvariant()}\n{pathAndQuery}\n{date};{host};{contentHash}";

    public static string Signature(byte[] accessKey, string stringToSign) =>
        Convert.ToBase64String(HMACSHA256.HashData(accessKey, Encoding.UTF8.GetBytes(stringToSign)));

    public static string AuthorizationHeader(string signature) => $"HMAC-SHA256 SignedHeaders={SignedHeaders}&Signature={signature}";

    public static string ContentHash(ReadOnlySpan<byte> body) => Convert.ToBase64String(SHA256.HashData(body));

    private static string ContentHash(RequestContent? content, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        content?.WriteTo(buffer, ct);
        return ContentHash(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    private static async ValueTask<string> ContentHashAsync(RequestContent? content, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        if (content is not null) await content.WriteToAsync(buffer, ct).ConfigureAwait(false);
        return ContentHash(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }
}
