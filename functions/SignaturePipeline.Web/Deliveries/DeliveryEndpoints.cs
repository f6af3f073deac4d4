using Microsoft.AspNetCore.Http;
using SignaturePipeline.Deliveries;
using SignaturePipeline.Web.Http;

namespace SignaturePipeline.Web.Deliveries;

/// <summary>Admin routes for deliveries: send now, and the list of past deliveries with their manifests.</summary>
public sealed class DeliveryEndpoints(DeliveryCompiler deliveries)
{
    /// <summary>
    /// 200 with one outcome per target (delivered, alreadyDelivered, nothingNew, busy, failed): a failed target does not
    /// undo the others, and its record waits for the next run, so the answer reports rather than fails.
    /// </summary>
    public async Task<IResult> DeliverNowAsync(string petitionId, string? target, CancellationToken ct) =>
        await deliveries.DeliverNowAsync(petitionId, string.IsNullOrWhiteSpace(target) ? null : target, ct).ConfigureAwait(false) switch
        {
            DeliverNowResult.Done done => Results.Json(new { targets = done.Targets }, Json.Options),
            DeliverNowResult.TargetNotFound missing => Problems.Create(StatusCodes.Status404NotFound, "target_not_found", "Target not found",
                $"This petition has no target '{missing.TargetId}'. Use a target id such as governor-ny or president."),
            _ => Problems.PetitionNotFound(),
        };

    public async Task<IResult> ListAsync(string petitionId, string? target, CancellationToken ct) =>
        await deliveries.ListAsync(petitionId, string.IsNullOrWhiteSpace(target) ? null : target, ct).ConfigureAwait(false) switch
        {
            ListDeliveriesResult.Found found => Results.Json(new { deliveries = found.Deliveries }, Json.Options),
            _ => Problems.PetitionNotFound(),
        };
}
