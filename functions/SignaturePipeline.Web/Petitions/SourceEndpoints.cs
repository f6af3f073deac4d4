using Microsoft.AspNetCore.Http;
using SignaturePipeline.Petitions;
using SignaturePipeline.Web.Http;

namespace SignaturePipeline.Web.Petitions;

/// <summary><c>GET /api/admin/petitions/{petitionId}/sources</c>: where the petition's counted signatures came from.</summary>
public sealed class SourceEndpoints(PetitionSourcesHandler handler)
{
    public async Task<IResult> GetAsync(string petitionId, CancellationToken ct) =>
        await handler.GetAsync(petitionId, ct).ConfigureAwait(false) is { } sources
            ? Results.Json(sources, Json.Options)
            : Problems.PetitionNotFound();
}
