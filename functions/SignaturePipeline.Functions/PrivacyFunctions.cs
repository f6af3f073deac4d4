using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SignaturePipeline.Web;
using SignaturePipeline.Web.Admin;

namespace SignaturePipeline.Functions;

/// <summary>Organizers' review, export and erasure routes (function key).</summary>
public sealed class PrivacyFunctions(PrivacyAdminEndpoints admin)
{
    [Function("ListHeldSignatures")]
    public Task<IActionResult> Held(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = Routes.Held)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(admin.ListHeldAsync(petitionId, int.TryParse(request.Query["limit"], out var limit) ? limit : null, ct));

    [Function("ReleaseHeldSignatures")]
    public Task<IActionResult> Release(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = Routes.ReleaseHeld)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(admin.ReleaseAsync(request, petitionId, ct));

    [Function("InvalidateHeldSignatures")]
    public Task<IActionResult> InvalidateHeld(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = Routes.InvalidateHeld)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(admin.InvalidateHeldAsync(request, petitionId, ct));

    [Function("InvalidateSignaturesByRule")]
    public Task<IActionResult> Invalidate(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = Routes.Invalidate)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(admin.InvalidateByRuleAsync(request, petitionId, ct));

    [Function("RevertInvalidation")]
    public Task<IActionResult> RevertInvalidation(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = Routes.RevertInvalidation)] HttpRequest request, string petitionId, string invalidationId, CancellationToken ct) =>
        ResultAction.From(admin.RevertInvalidationAsync(petitionId, invalidationId, ct));

    [Function("EraseSigner")]
    public Task<IActionResult> Erase(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = Routes.Erase)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(admin.EraseAsync(request, petitionId, ct));

    [Function("ExportSignatures")]
    public Task<IActionResult> Export(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = Routes.ExportSignatures)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(admin.ExportAsync(petitionId, ct));

    [Function("AnonymisePetition")]
    public Task<IActionResult> Anonymise(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = Routes.Anonymise)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(admin.AnonymiseAsync(petitionId, ct));
}
