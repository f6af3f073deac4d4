using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SignaturePipeline.Web;
using SignaturePipeline.Web.Deliveries;

namespace SignaturePipeline.Functions;

/// <summary>Delivery admin routes: send now, list past deliveries. Function-key protected.</summary>
public sealed class DeliveryFunctions(DeliveryEndpoints endpoints)
{

    [Function("DeliverNow")]
    public Task<IActionResult> DeliverNow(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = Routes.Deliveries)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(endpoints.DeliverNowAsync(petitionId, request.Query["target"], ct));

    [Function("ListDeliveries")]
    public Task<IActionResult> List(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = Routes.Deliveries)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(endpoints.ListAsync(petitionId, request.Query["target"], ct));
}
