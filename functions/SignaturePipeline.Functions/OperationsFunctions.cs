using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SignaturePipeline.Web.Operations;

namespace SignaturePipeline.Functions;

/// <summary>Operator routes: health, poison re-drive, recount. Function-key protected.</summary>
public sealed class OperationsFunctions(OperationsEndpoints endpoints)
{
    [Function("Health")]
    public Task<IActionResult> Health(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/admin/health")] HttpRequest request, CancellationToken ct) =>
        ResultAction.From(endpoints.HealthAsync(request, ct));

    [Function("RedrivePoison")]
    public Task<IActionResult> Redrive(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/admin/poison/redrive")] HttpRequest request, CancellationToken ct) =>
        ResultAction.From(endpoints.RedriveAsync(request, ct));

    [Function("RecountPetition")]
    public Task<IActionResult> Recount(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/admin/petitions/{petitionId}/recount")] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(endpoints.RecountAsync(petitionId, ct));

    [Function("RestoreBackup")]
    public Task<IActionResult> RestoreBackup(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/admin/backups/{backupId}/restore")] HttpRequest request, string backupId, CancellationToken ct) =>
        ResultAction.From(endpoints.RestoreBackupAsync(backupId, ct));
}
