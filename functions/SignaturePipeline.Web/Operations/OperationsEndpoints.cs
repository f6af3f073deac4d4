using Microsoft.AspNetCore.Http;
using SignaturePipeline.Operations;
using SignaturePipeline.Web.Http;

namespace SignaturePipeline.Web.Operations;

/// <summary>Admin routes for operators: health, poison re-drive, recount and repair.</summary>
public sealed class OperationsEndpoints(OperationsHandlers handlers, TableBackup backup)
{
    public async Task<IResult> HealthAsync(HttpRequest request, CancellationToken ct)
    {
        var recount = string.Equals(request.Query["recount"], "true", StringComparison.OrdinalIgnoreCase);
        return Results.Json(await handlers.GetHealthAsync(recount, ct).ConfigureAwait(false), Json.Options);
    }

    public async Task<IResult> RedriveAsync(HttpRequest request, CancellationToken ct)
    {
        var max = int.TryParse(request.Query["max"], out var m) && m > 0 ? Math.Min(m, 10_000) : 1_000;
        return Results.Json(await handlers.RedrivePoisonAsync(max, ct).ConfigureAwait(false), Json.Options);
    }

    public async Task<IResult> RecountAsync(string petitionId, CancellationToken ct) =>
        await handlers.RecountAndRepairAsync(petitionId, ct).ConfigureAwait(false) is { } result
            ? Results.Json(result, Json.Options)
            : Problems.PetitionNotFound();

    public async Task<IResult> RestoreBackupAsync(string backupId, CancellationToken ct) =>
        await backup.RestoreAsync(backupId, ct).ConfigureAwait(false) is { } restored
            ? Results.Json(restored, Json.Options)
            : Problems.Create(StatusCodes.Status404NotFound, "backup_not_found", "Backup not found",
                "There is no backup with that id in the backups container. Ids look like 20261206T020000Z.");
}
