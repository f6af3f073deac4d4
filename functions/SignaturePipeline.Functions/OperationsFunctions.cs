using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SignaturePipeline.Web;
using SignaturePipeline.Web.Operations;

namespace SignaturePipeline.Functions;

/// <summary>Operator routes: health, poison re-drive, recount. Function-key protected.</summary>
public sealed class OperationsFunctions(OperationsEndpoints endpoints)
{
    [Function("Health")]
    public Task<IActionResult> Health(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = Routes.Health)] HttpRequest request, CancellationToken ct) =>
        ResultAction.From(endpoints.HealthAsync(request, ct));

    [Function("RedrivePoison")]
    public Task<IActionResult> Redrive(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = Routes.PoisonRedrive)] HttpRequest request, CancellationToken ct) =>
        ResultAction.From(endpoints.RedriveAsync(request, ct));

    [Function("RecountPetition")]
    public Task<IActionResult> Recount(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = Routes.Recount)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(endpoints.RecountAsync(petitionId, ct));

    [Function("RestoreBackup")]
    public Task<IActionResult> RestoreBackup(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = Routes.RestoreBackup)] HttpRequest request, string backupId, CancellationToken ct) =>
        ResultAction.From(endpoints.RestoreBackupAsync(backupId, ct));
}
