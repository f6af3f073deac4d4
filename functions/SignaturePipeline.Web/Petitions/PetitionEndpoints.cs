using System.Text.Json;
using Microsoft.AspNetCore.Http;
using SignaturePipeline.Petitions;
using SignaturePipeline.Receipts;
using SignaturePipeline.Web.Http;

namespace SignaturePipeline.Web.Petitions;

/// <summary>Public petition reads and the admin definition route. The HTML pages are in Pages/.</summary>
public sealed class PetitionEndpoints(PetitionHandlers handlers, ReceiptStore receipts)
{
    private const int MaxDefinitionBytes = 256 * 1024;

    public async Task<IResult> GetAsync(HttpRequest request, string petitionId, CancellationToken ct)
    {
        Cors.AllowAnyOrigin(request.HttpContext);
        var petition = await handlers.GetAsync(petitionId, ct).ConfigureAwait(false);
        return petition is null ? Problems.PetitionNotFound() : Results.Json(petition, Json.Options);
    }

    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken ct)
    {
        Cors.AllowAnyOrigin(request.HttpContext);
        return Results.Json(await handlers.ListOpenAsync(ct).ConfigureAwait(false), Json.Options);
    }

    public async Task<IResult> PutAsync(HttpRequest request, string petitionId, CancellationToken ct)
    {
        if (request.ContentLength > MaxDefinitionBytes) return Problems.TooLarge(MaxDefinitionBytes);
        if (request.ContentType is null || !request.ContentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            return Problems.UnsupportedMediaType(request.ContentType);
        PetitionDefinition? definition;
        try
        {
            // Bounded while read: a chunked body declares no length to check.
            await using var body = await BoundedBody.ReadAsync(request, MaxDefinitionBytes, ct).ConfigureAwait(false);
            if (body is null) return Problems.TooLarge(MaxDefinitionBytes);
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
