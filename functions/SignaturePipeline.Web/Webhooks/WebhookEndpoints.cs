using Microsoft.AspNetCore.Http;
using SignaturePipeline.Web.Http;
using SignaturePipeline.Webhooks;

namespace SignaturePipeline.Web.Webhooks;

/// <summary>Admin routes for webhook deliveries that were given up on: the list, and sending them again.</summary>
public sealed class WebhookEndpoints(WebhookFailures failures)
{
    public async Task<IResult> ListFailuresAsync(string petitionId, CancellationToken ct) =>
        await failures.ListAsync(petitionId, ct).ConfigureAwait(false) switch
        {
            WebhookFailuresResult.Listed listed => Results.Json(new { failures = listed.Failures }, Json.Options),
            _ => Problems.PetitionNotFound(),
        };

    /// <summary>Every kept failure, or the one <c>?id=</c> names: queued again with a fresh retry window.</summary>
    public async Task<IResult> ResendAsync(string petitionId, string? id, CancellationToken ct) =>
        await failures.ResendAsync(petitionId, string.IsNullOrWhiteSpace(id) ? null : id, ct).ConfigureAwait(false) switch
        {
            WebhookFailuresResult.Resent resent => Results.Json(new { resent = resent.Failures, events = resent.Events }, Json.Options),
            _ => Problems.PetitionNotFound(),
        };
}
