using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SignaturePipeline.Storage;
using SignaturePipeline.Web;
using SignaturePipeline.Web.Webhooks;
using SignaturePipeline.Webhooks;

namespace SignaturePipeline.Functions;

/// <summary>Webhook delivery (queue) and its failures (admin routes). Every function is an adapter over the library.</summary>
public sealed class WebhookFunctions(WebhookEndpoints endpoints, WebhookSender sender)
{
    /// <summary>Retries are new messages with a visibility delay; a message whose processing throws 5 times goes to webhooks-poison.</summary>
    [Function(WebhookSender.FunctionName)]
    public Task Send([QueueTrigger(QueueNames.Webhooks)] QueueMessage message, CancellationToken ct) =>
        sender.ProcessAsync(message.MessageText, ct);

    [Function("ListWebhookFailures")]
    public Task<IActionResult> ListFailures(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = Routes.WebhookFailures)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(endpoints.ListFailuresAsync(petitionId, ct));

    [Function("ResendWebhookFailures")]
    public Task<IActionResult> Resend(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = Routes.ResendWebhookFailures)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(endpoints.ResendAsync(petitionId, request.Query["id"], ct));
}
