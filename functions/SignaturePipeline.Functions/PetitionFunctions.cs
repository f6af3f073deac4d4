using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SignaturePipeline.Web;
using SignaturePipeline.Web.Petitions;
using SignaturePipeline.Web.Receipts;

namespace SignaturePipeline.Functions;

/// <summary>
/// Public reads and the admin routes. Admin routes use <see cref="AuthorizationLevel.Function"/>: the platform
/// checks <c>x-functions-key</c> before the function runs.
/// </summary>
public sealed class PetitionFunctions(PetitionEndpoints petitions, ReceiptEndpoints receipts)
{
    [Function("GetPetition")]
    public Task<IActionResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Petition)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(petitions.GetAsync(request, petitionId, ct));

    [Function("ListPetitions")]
    public Task<IActionResult> List(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Petitions)] HttpRequest request, CancellationToken ct) =>
        ResultAction.From(petitions.ListAsync(request, ct));

    [Function("GetReceipt")]
    public Task<IActionResult> Receipt(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Receipt)] HttpRequest request, string receiptId, CancellationToken ct) =>
        ResultAction.From(receipts.GetAsync(request, receiptId, ct));

    [Function("PutPetition")]
    public Task<IActionResult> Put(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = Routes.AdminPetition)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(petitions.PutAsync(request, petitionId, ct));

    [Function("ListOutcomes")]
    public Task<IActionResult> Outcomes(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = Routes.Outcomes)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(petitions.ListOutcomesAsync(petitionId, request.Query["status"], ct));
}
