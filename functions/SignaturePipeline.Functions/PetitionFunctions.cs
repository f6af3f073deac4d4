using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SignaturePipeline.Web.Petitions;
using SignaturePipeline.Web.Receipts;

namespace SignaturePipeline.Functions;

/// <summary>
/// Public reads and the admin routes. Admin routes use <see cref="AuthorizationLevel.Function"/>: the platform
/// checks <c>x-functions-key</c> before the function runs.
/// </summary>
public sealed class PetitionFunctions(PetitionEndpoints petitions, ReceiptEndpoints receipts)
{
    // The host refuses function routes that begin with "admin" (it guards its own /admin API for apps whose
    // routePrefix is empty). Ours live under /api, so the segment is matched by a constraint instead of a literal.
    private const string Admin = "{adminSegment:regex(^admin$)}";

    [Function("GetPetition")]
    public Task<IActionResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "petitions/{petitionId}")] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(petitions.GetAsync(request, petitionId, ct));

    [Function("ListPetitions")]
    public Task<IActionResult> List(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "petitions")] HttpRequest request, CancellationToken ct) =>
        ResultAction.From(petitions.ListAsync(request, ct));

    [Function("GetReceipt")]
    public Task<IActionResult> Receipt(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "receipts/{receiptId}")] HttpRequest request, string receiptId, CancellationToken ct) =>
        ResultAction.From(receipts.GetAsync(request, receiptId, ct));

    [Function("ThankYouPage")]
    public Task<IActionResult> ThankYou(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "petitions/{petitionId}/thanks")] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(petitions.ThankYouAsync(petitionId, request.Query["receipt"], ct));

    [Function("PutPetition")]
    public Task<IActionResult> Put(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = Admin + "/petitions/{petitionId}")] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(petitions.PutAsync(request, petitionId, ct));

    [Function("ListOutcomes")]
    public Task<IActionResult> Outcomes(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = Admin + "/petitions/{petitionId}/outcomes")] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(petitions.ListOutcomesAsync(petitionId, request.Query["status"], ct));
}
