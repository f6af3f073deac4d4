using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SignaturePipeline.Web;
using SignaturePipeline.Web.Embed;
using SignaturePipeline.Web.Pages;

namespace SignaturePipeline.Functions;

/// <summary>What a browser loads: the embeddable widget and the pages that work without JavaScript.</summary>
public sealed class PageFunctions(EmbedEndpoints embed, PageEndpoints pages)
{
    [Function("EmbedScript")]
    public IActionResult Script(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.EmbedScript)] HttpRequest request) =>
        new ResultAction(embed.Script(request.HttpContext));

    [Function("PetitionPage")]
    public Task<IActionResult> Petition(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.PetitionPage)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(pages.PetitionAsync(request, petitionId, ct));

    [Function("ThankYouPage")]
    public Task<IActionResult> ThankYou(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.ThankYouPage)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(pages.ThankYouAsync(request, petitionId, request.Query["receipt"], int.TryParse(request.Query["check"], out var check) ? check : null, ct));
}
