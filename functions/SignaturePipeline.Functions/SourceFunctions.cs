using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SignaturePipeline.Web;
using SignaturePipeline.Web.Petitions;

namespace SignaturePipeline.Functions;

/// <summary>Where signatures came from: counts by source, utm value and referrer. Function-key protected.</summary>
public sealed class SourceFunctions(SourceEndpoints endpoints)
{
    [Function("GetPetitionSources")]
    public Task<IActionResult> Get(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = Routes.Sources)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(endpoints.GetAsync(petitionId, ct));
}
