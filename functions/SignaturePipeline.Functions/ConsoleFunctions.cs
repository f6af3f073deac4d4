using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SignaturePipeline.Web;
using SignaturePipeline.Web.OrganizerConsole;

namespace SignaturePipeline.Functions;

/// <summary>
/// The organizers' console and the landing page. Anonymous at the platform: the console's own session (a signed cookie)
/// decides who sees what, and every route checks it (401 without a session, 404 for another organizer's petition).
/// </summary>
public sealed class ConsoleFunctions(ConsolePages pages, ConsoleEndpoints api)
{
    [Function("Landing")]
    public Task<IActionResult> Landing(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Landing)] HttpRequest request, string? path, CancellationToken ct) =>
        ResultAction.From(pages.LandingAsync(request.HttpContext, path, ct));

    [Function("Console")]
    public IActionResult Console([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Console)] HttpRequest request) =>
        new ResultAction(pages.Console(request.HttpContext));

    [Function("ConsoleLinkPage")]
    public IActionResult LinkPage([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.ConsoleSignIn)] HttpRequest request) =>
        new ResultAction(pages.LinkPage(request.HttpContext));

    [Function("ConsoleRequestLink")]
    public Task<IActionResult> RequestLink([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.ConsoleSignIn)] HttpRequest request, CancellationToken ct) =>
        ResultAction.From(pages.RequestLinkAsync(request.HttpContext, ct));

    [Function("ConsoleSession")]
    public Task<IActionResult> Session([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.ConsoleSession)] HttpRequest request, CancellationToken ct) =>
        ResultAction.From(pages.SessionAsync(request.HttpContext, ct));

    [Function("ConsoleOperator")]
    public Task<IActionResult> Operator([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.ConsoleOperator)] HttpRequest request, CancellationToken ct) =>
        ResultAction.From(pages.OperatorAsync(request.HttpContext, ct));

    [Function("ConsoleSignOut")]
    public Task<IActionResult> SignOut([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.ConsoleSignOut)] HttpRequest request, CancellationToken ct) =>
        ResultAction.From(pages.SignOutAsync(request.HttpContext, ct));

    [Function("ConsoleAsset")]
    public IActionResult Asset([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.ConsoleAsset)] HttpRequest request, string name) =>
        new ResultAction(pages.Asset(request.HttpContext, name));

    [Function("ConsoleListPetitions")]
    public Task<IActionResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.ConsolePetitions)] HttpRequest request, CancellationToken ct) =>
        ResultAction.From(api.ListAsync(request.HttpContext, ct));

    [Function("ConsoleGetPetition")]
    public Task<IActionResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.ConsolePetition)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(api.GetAsync(request.HttpContext, petitionId, ct));

    [Function("ConsolePutPetition")]
    public Task<IActionResult> Put(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = Routes.ConsolePetition)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(api.PutAsync(request.HttpContext, petitionId, ct));

    [Function("ConsoleListUpdates")]
    public Task<IActionResult> Updates(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.ConsoleUpdates)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(api.ListUpdatesAsync(request.HttpContext, petitionId, ct));

    [Function("ConsolePublishUpdate")]
    public Task<IActionResult> PublishUpdate(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.ConsoleUpdates)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(api.PublishUpdateAsync(request.HttpContext, petitionId, ct));

    [Function("ConsoleSources")]
    public Task<IActionResult> Sources(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.ConsoleSources)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(api.SourcesAsync(request.HttpContext, petitionId, ct));

    [Function("ConsoleListHeld")]
    public Task<IActionResult> Held(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.ConsoleHeld)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(api.ListHeldAsync(request.HttpContext, petitionId, ct));

    [Function("ConsoleReleaseHeld")]
    public Task<IActionResult> Release(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.ConsoleReleaseHeld)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(api.ReleaseAsync(request.HttpContext, petitionId, ct));

    [Function("ConsoleInvalidateHeld")]
    public Task<IActionResult> InvalidateHeld(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.ConsoleInvalidateHeld)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(api.InvalidateHeldAsync(request.HttpContext, petitionId, ct));

    [Function("ConsoleExport")]
    public Task<IActionResult> Export(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.ConsoleExport)] HttpRequest request, string petitionId, CancellationToken ct) =>
        ResultAction.From(api.ExportAsync(request.HttpContext, petitionId, ct));

    [Function("ConsoleDeliveryFile")]
    public Task<IActionResult> DeliveryFile(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.ConsoleDeliveryFile)] HttpRequest request,
        string petitionId, string targetId, string week, string file, CancellationToken ct) =>
        ResultAction.From(api.DeliveryFileAsync(request.HttpContext, petitionId, targetId, week, file, ct));
}
