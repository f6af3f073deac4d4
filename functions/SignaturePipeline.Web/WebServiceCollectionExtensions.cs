using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SignaturePipeline.Web.Admin;
using SignaturePipeline.Web.Confirmation;
using SignaturePipeline.Web.Deliveries;
using SignaturePipeline.Web.Embed;
using SignaturePipeline.Web.Intake;
using SignaturePipeline.Web.Operations;
using SignaturePipeline.Web.OrganizerConsole;
using SignaturePipeline.Web.Pages;
using SignaturePipeline.Web.Petitions;
using SignaturePipeline.Web.Receipts;
using SignaturePipeline.Web.Webhooks;
using SignaturePipeline.Web.Updates;

namespace SignaturePipeline.Web;

public static class WebServiceCollectionExtensions
{
    /// <summary>The HTTP mapping of the pipeline, for any ASP.NET Core-based host (the local host, Functions with ASP.NET Core integration).</summary>
    public static IServiceCollection AddSignaturePipelineHttp(this IServiceCollection services)
    {
        services.AddSingleton<SignatureEndpoints>();
        services.AddSingleton<PetitionEndpoints>();
        services.AddSingleton<ReceiptEndpoints>();
        services.AddSingleton<OperationsEndpoints>();
        services.AddSingleton<EmbedEndpoints>();
        services.AddSingleton<PageEndpoints>();
        services.AddSingleton<ConfirmationEndpoints>();
        services.AddSingleton<PrivacyAdminEndpoints>();
        services.AddSingleton<DeliveryEndpoints>();
        services.AddSingleton<SourceEndpoints>();
        services.AddSingleton<WebhookEndpoints>();
        services.AddSingleton<UpdateEndpoints>();
        services.AddSingleton<ConsoleHttp>().AddSingleton<ConsoleEndpoints>().AddSingleton<ConsolePages>();
        services.AddLogging(logging => logging.AddFilter(Http.RequestLog.QuietCategory, LogLevel.Warning));
        return services;
    }

    /// <summary>
    /// The routes of <see cref="Routes"/>, as the Functions app declares them with <c>[HttpTrigger(Route = …)]</c>.
    /// Admin routes are grouped so the host can put its key check on them.
    /// </summary>
    public static RouteGroupBuilder MapSignaturePipeline(this IEndpointRouteBuilder app)
    {
        app.MapPost("/" + Routes.Signatures, (HttpRequest r, string petitionId, SignatureEndpoints e, CancellationToken ct) => e.SubmitAsync(r, petitionId, ct));
        app.MapMethods("/" + Routes.Signatures, ["OPTIONS"], (HttpRequest r, string petitionId, SignatureEndpoints e, CancellationToken ct) => e.PreflightAsync(r, petitionId, ct));
        app.MapGet("/" + Routes.Petition, (HttpRequest r, string petitionId, PetitionEndpoints e, CancellationToken ct) => e.GetAsync(r, petitionId, ct));
        app.MapGet("/" + Routes.Petitions, (HttpRequest r, PetitionEndpoints e, CancellationToken ct) => e.ListAsync(r, ct));
        app.MapGet("/" + Routes.Receipt, (HttpRequest r, string receiptId, ReceiptEndpoints e, CancellationToken ct) => e.GetAsync(r, receiptId, ct));
        app.MapMethods("/" + Routes.EmbedScript, ["GET", "HEAD"], (HttpContext c, EmbedEndpoints e) => e.Script(c));
        // Pages live outside "api" (a link an organizer shares); so the Functions app uses routePrefix "" and spells "api/" in its routes.
        app.MapGet("/" + Routes.PetitionPage, (HttpRequest r, string petitionId, PageEndpoints e, CancellationToken ct) => e.PetitionAsync(r, petitionId, ct));
        app.MapGet("/" + Routes.ThankYouPage, (HttpRequest r, string petitionId, string? receipt, int? check, PageEndpoints e, CancellationToken ct) => e.ThankYouAsync(r, petitionId, receipt, check, ct));

        // Links in signers' emails. A GET only shows a button; the POST acts (mail scanners follow links).
        app.MapGet("/" + Routes.Confirm, (HttpRequest r, string petitionId, ConfirmationEndpoints e, CancellationToken ct) => e.ConfirmPageAsync(r, petitionId, ct));
        app.MapPost("/" + Routes.Confirm, (HttpRequest r, string petitionId, ConfirmationEndpoints e, CancellationToken ct) => e.ConfirmAsync(r, petitionId, ct));
        app.MapPost("/" + Routes.ResendConfirmation, (HttpRequest r, string petitionId, ConfirmationEndpoints e, CancellationToken ct) => e.ResendAsync(r, petitionId, ct));
        app.MapGet("/" + Routes.Remove, (HttpRequest r, string petitionId, ConfirmationEndpoints e, CancellationToken ct) => e.RemovePageAsync(r, petitionId, ct));
        app.MapPost("/" + Routes.Remove, (HttpRequest r, string petitionId, ConfirmationEndpoints e, CancellationToken ct) => e.RemoveAsync(r, petitionId, ct));
        app.MapGet("/" + Routes.Unsubscribe, (HttpRequest r, string petitionId, UpdateEndpoints e, CancellationToken ct) => e.UnsubscribePageAsync(r, petitionId, ct));
        app.MapPost("/" + Routes.Unsubscribe, (HttpRequest r, string petitionId, UpdateEndpoints e, CancellationToken ct) => e.UnsubscribeAsync(r, petitionId, ct));

        MapConsole(app);

        // No prefix of its own: each admin route spells it (Routes.AdminPrefix), as the Functions app does.
        var admin = app.MapGroup("");
        admin.MapPut("/" + Routes.AdminPetition, (HttpRequest r, string petitionId, PetitionEndpoints e, CancellationToken ct) => e.PutAsync(r, petitionId, ct));
        admin.MapGet("/" + Routes.Outcomes, (string petitionId, string? status, PetitionEndpoints e, CancellationToken ct) => e.ListOutcomesAsync(petitionId, status, ct));
        admin.MapGet("/" + Routes.Health, (HttpRequest r, OperationsEndpoints e, CancellationToken ct) => e.HealthAsync(r, ct));
        admin.MapPost("/" + Routes.PoisonRedrive, (HttpRequest r, OperationsEndpoints e, CancellationToken ct) => e.RedriveAsync(r, ct));
        admin.MapPost("/" + Routes.Recount, (string petitionId, OperationsEndpoints e, CancellationToken ct) => e.RecountAsync(petitionId, ct));
        admin.MapPost("/" + Routes.RestoreBackup, (string backupId, OperationsEndpoints e, CancellationToken ct) => e.RestoreBackupAsync(backupId, ct));
        admin.MapGet("/" + Routes.Held, (string petitionId, int? limit, PrivacyAdminEndpoints e, CancellationToken ct) => e.ListHeldAsync(petitionId, limit, ct));
        admin.MapPost("/" + Routes.ReleaseHeld, (HttpRequest r, string petitionId, PrivacyAdminEndpoints e, CancellationToken ct) => e.ReleaseAsync(r, petitionId, ct));
        admin.MapPost("/" + Routes.InvalidateHeld, (HttpRequest r, string petitionId, PrivacyAdminEndpoints e, CancellationToken ct) => e.InvalidateHeldAsync(r, petitionId, ct));
        admin.MapPost("/" + Routes.Invalidate, (HttpRequest r, string petitionId, PrivacyAdminEndpoints e, CancellationToken ct) => e.InvalidateByRuleAsync(r, petitionId, ct));
        admin.MapPost("/" + Routes.RevertInvalidation, (string petitionId, string invalidationId, PrivacyAdminEndpoints e, CancellationToken ct) => e.RevertInvalidationAsync(petitionId, invalidationId, ct));
        admin.MapPost("/" + Routes.Erase, (HttpRequest r, string petitionId, PrivacyAdminEndpoints e, CancellationToken ct) => e.EraseAsync(r, petitionId, ct));
        admin.MapGet("/" + Routes.ExportSignatures, (string petitionId, PrivacyAdminEndpoints e, CancellationToken ct) => e.ExportAsync(petitionId, ct));
        admin.MapPost("/" + Routes.Anonymise, (string petitionId, PrivacyAdminEndpoints e, CancellationToken ct) => e.AnonymiseAsync(petitionId, ct));
        admin.MapPost("/" + Routes.Deliveries, (string petitionId, string? target, DeliveryEndpoints e, CancellationToken ct) => e.DeliverNowAsync(petitionId, target, ct));
        admin.MapGet("/" + Routes.Deliveries, (string petitionId, string? target, DeliveryEndpoints e, CancellationToken ct) => e.ListAsync(petitionId, target, ct));
        admin.MapGet("/" + Routes.Sources, (string petitionId, SourceEndpoints e, CancellationToken ct) => e.GetAsync(petitionId, ct));
        admin.MapGet("/" + Routes.WebhookFailures, (string petitionId, WebhookEndpoints e, CancellationToken ct) => e.ListFailuresAsync(petitionId, ct));
        admin.MapPost("/" + Routes.ResendWebhookFailures, (string petitionId, string? id, WebhookEndpoints e, CancellationToken ct) => e.ResendAsync(petitionId, id, ct));
        admin.MapPost("/" + Routes.Updates, (HttpRequest r, string petitionId, UpdateEndpoints e, CancellationToken ct) => e.PublishAsync(r, petitionId, ct));
        admin.MapGet("/" + Routes.Updates, (string petitionId, UpdateEndpoints e, CancellationToken ct) => e.ListAsync(petitionId, ct));
        admin.MapGet("/" + Routes.Update, (string petitionId, string updateId, UpdateEndpoints e, CancellationToken ct) => e.GetAsync(petitionId, updateId, ct));
        return admin;
    }

    /// <summary>The organizers' console: pages, assets, its JSON API, and the landing page at <c>/</c>. Each checks the session itself.</summary>
    private static void MapConsole(IEndpointRouteBuilder app)
    {
        app.MapGet("/" + Routes.Console, (HttpContext c, ConsolePages p) => p.Console(c));
        app.MapGet("/" + Routes.ConsoleSignIn, (HttpContext c, ConsolePages p) => p.LinkPage(c));
        app.MapPost("/" + Routes.ConsoleSignIn, (HttpContext c, ConsolePages p, CancellationToken ct) => p.RequestLinkAsync(c, ct));
        app.MapPost("/" + Routes.ConsoleSession, (HttpContext c, ConsolePages p, CancellationToken ct) => p.SessionAsync(c, ct));
        app.MapPost("/" + Routes.ConsoleOperator, (HttpContext c, ConsolePages p, CancellationToken ct) => p.OperatorAsync(c, ct));
        app.MapPost("/" + Routes.ConsoleSignOut, (HttpContext c, ConsolePages p, CancellationToken ct) => p.SignOutAsync(c, ct));
        app.MapGet("/" + Routes.ConsoleAsset, (HttpContext c, string name, ConsolePages p) => p.Asset(c, name));
        app.MapGet("/" + Routes.ConsolePetitions, (HttpContext c, ConsoleEndpoints e, CancellationToken ct) => e.ListAsync(c, ct));
        app.MapGet("/" + Routes.ConsolePetition, (HttpContext c, string petitionId, ConsoleEndpoints e, CancellationToken ct) => e.GetAsync(c, petitionId, ct));
        app.MapPut("/" + Routes.ConsolePetition, (HttpContext c, string petitionId, ConsoleEndpoints e, CancellationToken ct) => e.PutAsync(c, petitionId, ct));
        app.MapGet("/" + Routes.ConsoleHeld, (HttpContext c, string petitionId, ConsoleEndpoints e, CancellationToken ct) => e.ListHeldAsync(c, petitionId, ct));
        app.MapPost("/" + Routes.ConsoleReleaseHeld, (HttpContext c, string petitionId, ConsoleEndpoints e, CancellationToken ct) => e.ReleaseAsync(c, petitionId, ct));
        app.MapPost("/" + Routes.ConsoleInvalidateHeld, (HttpContext c, string petitionId, ConsoleEndpoints e, CancellationToken ct) => e.InvalidateHeldAsync(c, petitionId, ct));
        app.MapGet("/" + Routes.ConsoleUpdates, (HttpContext c, string petitionId, ConsoleEndpoints e, CancellationToken ct) => e.ListUpdatesAsync(c, petitionId, ct));
        app.MapPost("/" + Routes.ConsoleUpdates, (HttpContext c, string petitionId, ConsoleEndpoints e, CancellationToken ct) => e.PublishUpdateAsync(c, petitionId, ct));
        app.MapGet("/" + Routes.ConsoleSources, (HttpContext c, string petitionId, ConsoleEndpoints e, CancellationToken ct) => e.SourcesAsync(c, petitionId, ct));
        app.MapGet("/" + Routes.ConsoleExport, (HttpContext c, string petitionId, ConsoleEndpoints e, CancellationToken ct) => e.ExportAsync(c, petitionId, ct));
        app.MapGet("/" + Routes.ConsoleDeliveryFile, (HttpContext c, string petitionId, string targetId, string week, string file, ConsoleEndpoints e, CancellationToken ct) =>
            e.DeliveryFileAsync(c, petitionId, targetId, week, file, ct));
        app.MapGet("/" + Routes.Landing, (HttpContext c, string? path, ConsolePages p, CancellationToken ct) => p.LandingAsync(c, path, ct));
    }
}
