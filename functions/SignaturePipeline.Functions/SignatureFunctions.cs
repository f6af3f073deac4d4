using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SignaturePipeline.Intake;
using SignaturePipeline.Storage;
using SignaturePipeline.Web;
using SignaturePipeline.Web.Intake;

namespace SignaturePipeline.Functions;

/// <summary>Intake (HTTP) and processing (queue) of signatures. Every function is an adapter over the library.</summary>
public sealed class SignatureFunctions(SignatureEndpoints endpoints, SignatureProcessor processor)
{
    [Function(SubmitSignatureHandler.FunctionName)]
    public Task<IActionResult> Submit(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.Signatures)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(endpoints.SubmitAsync(request, petitionId, ct));

    [Function("SubmitSignaturePreflight")]
    public Task<IActionResult> Preflight(
        [HttpTrigger(AuthorizationLevel.Anonymous, "options", Route = Routes.Signatures)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(endpoints.PreflightAsync(request, petitionId, ct));

    /// <summary>Base64 messages (host.json messageEncoding), many signatures each; a message that fails 5 times goes to signatures-poison.</summary>
    [Function(SignatureProcessor.FunctionName)]
    public Task Process([QueueTrigger(QueueNames.Signatures)] QueueMessage message, CancellationToken ct) =>
        processor.ProcessAsync(message.MessageText, message.MessageId, message.DequeueCount, ct);
}
