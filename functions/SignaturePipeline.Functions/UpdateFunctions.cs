using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SignaturePipeline.Storage;
using SignaturePipeline.Updates;
using SignaturePipeline.Web;
using SignaturePipeline.Web.Updates;

namespace SignaturePipeline.Functions;

/// <summary>Updates to signers: the admin routes (function key), the unsubscribe link (anonymous) and the fan-out queue.</summary>
public sealed class UpdateFunctions(UpdateEndpoints endpoints, UpdateFanOut fanOut)
{
    [Function("PublishUpdate")]
    public Task<IActionResult> Publish(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = Routes.Updates)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(endpoints.PublishAsync(request, petitionId, ct));

    [Function("ListUpdates")]
    public Task<IActionResult> List(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = Routes.Updates)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(endpoints.ListAsync(petitionId, ct));

    [Function("GetUpdate")]
    public Task<IActionResult> Get(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = Routes.Update)] HttpRequest request, string petitionId, string updateId, CancellationToken ct) =>
        ResultAction.From(endpoints.GetAsync(petitionId, updateId, ct));

    [Function("UnsubscribePage")]
    public Task<IActionResult> UnsubscribePage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Unsubscribe)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(endpoints.UnsubscribePageAsync(request, petitionId, ct));

    [Function("Unsubscribe")]
    public Task<IActionResult> Unsubscribe(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.Unsubscribe)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(endpoints.UnsubscribeAsync(request, petitionId, ct));

    /// <summary>One step of one shard's fan-out; a step that fails is retried by the queue and resumes from its recorded page.</summary>
    [Function(UpdateFanOut.FunctionName)]
    public Task FanOut([QueueTrigger(QueueNames.Updates)] QueueMessage message, CancellationToken ct) =>
        fanOut.ProcessAsync(message.MessageText, ct);
}
