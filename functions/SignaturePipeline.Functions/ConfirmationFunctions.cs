using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SignaturePipeline.Web;
using SignaturePipeline.Web.Confirmation;

namespace SignaturePipeline.Functions;

/// <summary>Signers' email links: anonymous, the token is the authority. A GET only shows a button; the POST acts.</summary>
public sealed class ConfirmationFunctions(ConfirmationEndpoints links)
{
    [Function("ConfirmSignaturePage")]
    public Task<IActionResult> ConfirmPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Confirm)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(links.ConfirmPageAsync(request, petitionId, ct));

    [Function("ConfirmSignature")]
    public Task<IActionResult> Confirm(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.Confirm)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(links.ConfirmAsync(request, petitionId, ct));

    [Function("ResendConfirmation")]
    public Task<IActionResult> Resend(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.ResendConfirmation)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(links.ResendAsync(request, petitionId, ct));

    [Function("RemoveSignaturePage")]
    public Task<IActionResult> RemovePage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Remove)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(links.RemovePageAsync(request, petitionId, ct));

    [Function("RemoveSignature")]
    public Task<IActionResult> Remove(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.Remove)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(links.RemoveAsync(request, petitionId, ct));
}
