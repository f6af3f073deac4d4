using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace SignaturePipeline.Web.Http;

/// <summary>A JSON body read within a size cap, or the problem a form can show: too large, not JSON, or not this shape.</summary>
public static class JsonBody
{
    public static async Task<(T? Body, IResult? Error)> ReadAsync<T>(HttpRequest request, int maxBytes, CancellationToken ct) where T : class
    {
        if (request.ContentLength > maxBytes) return (null, Problems.BodyTooLarge(maxBytes));
        if (request.ContentType is null || !request.ContentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            return (null, Problems.UnsupportedMediaType(request.ContentType));
        try
        {
            // Bounded while read: a chunked body declares no length to check.
            await using var bytes = await BoundedBody.ReadAsync(request, maxBytes, ct).ConfigureAwait(false);
            if (bytes is null) return (null, Problems.BodyTooLarge(maxBytes));
            var body = await JsonSerializer.DeserializeAsync<T>(bytes, Json.Options, ct).ConfigureAwait(false);
            return body is null ? (null, Problems.Malformed("Send a JSON object.")) : (body, null);
        }
        catch (JsonException)
        {
            // Not the parser's message: it can quote the body back.
            return (null, Problems.Malformed("The body is not the JSON this route takes."));
        }
    }
}

/// <summary>A petition's signers as a CSV download, written straight to the response (never buffered), never cached.</summary>
public sealed class SignersCsv(string petitionId, Func<Stream, CancellationToken, Task> write) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.ContentType = "text/csv; charset=utf-8";
        response.Headers.ContentDisposition = $"attachment; filename=\"{petitionId}-signatures.csv\"";
        response.Headers.CacheControl = "no-store";
        await write(response.Body, httpContext.RequestAborted).ConfigureAwait(false);
    }
}
