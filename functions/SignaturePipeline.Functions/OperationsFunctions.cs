using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SignaturePipeline.Web.Operations;

namespace SignaturePipeline.Functions;

/// <summary>Operator routes: health, poison re-drive, recount. Function-key protected.</summary>
public sealed class OperationsFunctions(OperationsEndpoints endpoints)
{
    // See PetitionFunctions: the host refuses routes that begin with a literal "admin".
    private const string Admin = "{adminSegment:regex(^admin$)}";

    [Function("Health")]
    public Task<IActionResult> Health(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = Admin + "/health")] HttpRequest request, CancellationToken ct) =>
        ResultAction.From(endpoints.HealthAsync(request, ct));

    [Function("RedrivePoison")]
    public Task<IActionResult> Redrive(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = Admin + "/poison/redrive")] HttpRequest request, CancellationToken ct) =>
        ResultAction.From(endpoints.RedriveAsync(request, ct));

    [Function("RecountPetition")]
    public Task<IActionResult> Recount(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = Admin + "/petitions/{petitionId}/recount")] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(endpoints.RecountAsync(petitionId, ct));
}
