using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using SignaturePipeline.Petitions;
using SignaturePipeline.Receipts;
using SignaturePipeline.Updates;
using SignaturePipeline.Web.Http;

namespace SignaturePipeline.Web.Petitions;

/// <summary>Public petition reads and the admin definition route. The HTML pages are in Pages/.</summary>
public sealed class PetitionEndpoints(PetitionHandlers handlers, ReceiptStore receipts, UpdateHandlers updates)
{
    private const int MaxDefinitionBytes = 256 * 1024;

    /// <summary>
    /// How long a browser or CDN may serve a public read without asking again. Counts are already up to a second old
    /// (<see cref="PetitionCountCache"/>); a few seconds more lets a CDN in front absorb a viral page's views entirely.
    /// </summary>
    public const int PublicMaxAgeSeconds = 5;

    public async Task<IResult> GetAsync(HttpRequest request, string petitionId, CancellationToken ct)
    {
        Cors.AllowAnyOrigin(request.HttpContext);
        var petition = await handlers.GetAsync(petitionId, ct).ConfigureAwait(false);
        if (petition is null) return Problems.PetitionNotFound();
        // The updates and the response are cached per instance like the definition: a page view reads no table for them.
        var news = await updates.PublicAsync(petitionId, ct).ConfigureAwait(false);
        var json = JsonSerializer.SerializeToNode(petition, Json.Options)!.AsObject();
        json["updates"] = JsonSerializer.SerializeToNode(news.Updates, Json.Options);
        if (news.Response is { } response) json["response"] = JsonSerializer.SerializeToNode(response, Json.Options);
        return Cacheable(request, json);
    }

    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken ct)
    {
        Cors.AllowAnyOrigin(request.HttpContext);
        return Cacheable(request, await handlers.ListOpenAsync(ct).ConfigureAwait(false));
    }

    /// <summary>
    /// The JSON with <c>Cache-Control: public</c> and an ETag of its bytes, or 304 when the client already holds them:
    /// a CDN revalidating costs the body nothing, and the answer changes only when the petition or its counts do.
    /// </summary>
    private static IResult Cacheable<T>(HttpRequest request, T value)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(value, Json.Options);
        var etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(body).AsSpan(0, 16))}\"";
        var headers = request.HttpContext.Response.Headers;
        headers.CacheControl = $"public, max-age={PublicMaxAgeSeconds}";
        headers.ETag = etag;
        return EntityTags.Matches(request, etag)
            ? Results.StatusCode(StatusCodes.Status304NotModified)
            : Results.Bytes(body, "application/json; charset=utf-8");
    }

    public async Task<IResult> PutAsync(HttpRequest request, string petitionId, CancellationToken ct)
    {
        if (request.ContentLength > MaxDefinitionBytes) return Problems.BodyTooLarge(MaxDefinitionBytes);
        if (request.ContentType is null || !request.ContentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            return Problems.UnsupportedMediaType(request.ContentType);
        PetitionDefinition? definition;
        try
        {
            // Bounded while read: a chunked body declares no length to check.
            await using var body = await BoundedBody.ReadAsync(request, MaxDefinitionBytes, ct).ConfigureAwait(false);
            if (body is null) return Problems.BodyTooLarge(MaxDefinitionBytes);
            definition = await JsonSerializer.DeserializeAsync<PetitionDefinition>(body, Json.Options, ct).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            return Problems.Malformed($"The petition definition is not valid JSON: {e.Message}");
        }
        if (definition is null) return Problems.Malformed("Send the petition definition as a JSON object.");

        var result = await handlers.SaveAsync(petitionId, definition, ct).ConfigureAwait(false);
        return result switch
        {
            SavePetitionResult.Saved { Created: true } saved => Results.Json(saved.Petition, Json.Options, statusCode: StatusCodes.Status201Created),
            SavePetitionResult.Saved saved => Results.Json(saved.Petition, Json.Options),
            SavePetitionResult.Invalid invalid => Problems.Validation(invalid.Errors),
            _ => throw new InvalidOperationException(),
        };
    }

    public async Task<IResult> ListOutcomesAsync(string petitionId, string? status, CancellationToken ct)
    {
        if (!Enum.TryParse<ReceiptStatus>(status ?? "rejected", ignoreCase: true, out var kind) || kind is not (ReceiptStatus.Rejected or ReceiptStatus.Duplicate))
            return Problems.Create(StatusCodes.Status400BadRequest, "status_invalid", "Unknown status", "Ask for status=rejected or status=duplicate.");
        var list = new List<Receipt>();
        await foreach (var receipt in receipts.ListOutcomesAsync(petitionId, kind, ct).ConfigureAwait(false))
        {
            list.Add(receipt);
            if (list.Count >= 1000) break;
        }
        return Results.Json(list, Json.Options);
    }
}
