using Microsoft.AspNetCore.Http;
using SignaturePipeline.Abuse;
using SignaturePipeline.OrganizerConsole;
using SignaturePipeline.Petitions;
using SignaturePipeline.Updates;
using SignaturePipeline.Web.Http;
using SignaturePipeline.Web.Updates;

namespace SignaturePipeline.Web.OrganizerConsole;

/// <summary>
/// <c>/api/console/…</c>: the JSON the console's page reads and sends. Each route checks the session first (401 without
/// one), then the petition (404 for any petition the session may not see, as for one that does not exist), and each
/// state-changing route checks CSRF (403). Behind them are the admin routes' own handlers.
/// </summary>
public sealed class ConsoleEndpoints(ConsoleHandlers handlers, ConsoleHttp http)
{
    private const int MaxBodyBytes = 256 * 1024;

    public sealed record IdsBody(List<string>? Ids, bool All, string? Reason);

    public async Task<IResult> ListAsync(HttpContext context, CancellationToken ct) =>
        http.SessionOf(context) is not { } session ? ConsoleHttp.Unauthorized()
            : Private(context, Results.Json(await handlers.ListAsync(session, ct).ConfigureAwait(false), Json.Options));

    public async Task<IResult> GetAsync(HttpContext context, string petitionId, CancellationToken ct)
    {
        if (http.SessionOf(context) is not { } session) return ConsoleHttp.Unauthorized();
        var view = await handlers.ViewAsync(session, petitionId, ct).ConfigureAwait(false);
        return view is null ? Problems.PetitionNotFound() : Private(context, Results.Json(view, Json.Options));
    }

    public async Task<IResult> PutAsync(HttpContext context, string petitionId, CancellationToken ct)
    {
        if (http.SessionOf(context) is not { } session) return ConsoleHttp.Unauthorized();
        if (!http.PassesCsrf(context.Request, session)) return ConsoleHttp.CsrfFailed();
        var (definition, error) = await JsonBody.ReadAsync<PetitionDefinition>(context.Request, MaxBodyBytes, ct).ConfigureAwait(false);
        if (error is not null) return error;
        return await handlers.SaveAsync(session, petitionId, definition!, ct).ConfigureAwait(false) switch
        {
            ConsoleSaveResult.Done { Result: SavePetitionResult.Saved { Created: true } saved } => Results.Json(saved.Petition, Json.Options, statusCode: StatusCodes.Status201Created),
            ConsoleSaveResult.Done { Result: SavePetitionResult.Saved saved } => Results.Json(saved.Petition, Json.Options),
            ConsoleSaveResult.Done { Result: SavePetitionResult.Invalid invalid } => Problems.Validation(invalid.Errors),
            _ => Problems.PetitionNotFound(),
        };
    }

    public async Task<IResult> ListHeldAsync(HttpContext context, string petitionId, CancellationToken ct)
    {
        if (http.SessionOf(context) is not { } session) return ConsoleHttp.Unauthorized();
        var held = await handlers.ListHeldAsync(session, petitionId, 200, ct).ConfigureAwait(false);
        return held is null ? Problems.PetitionNotFound() : Private(context, Results.Json(held, Json.Options));
    }

    public Task<IResult> ReleaseAsync(HttpContext context, string petitionId, CancellationToken ct) =>
        ReviewAsync(context, (session, body) => handlers.ReleaseAsync(session, petitionId, body.Ids, body.All, ct), ct);

    public Task<IResult> InvalidateHeldAsync(HttpContext context, string petitionId, CancellationToken ct) =>
        ReviewAsync(context, (session, body) => handlers.InvalidateHeldAsync(session, petitionId, body.Ids, body.All, body.Reason, ct), ct);

    private async Task<IResult> ReviewAsync(HttpContext context, Func<ConsoleSession, IdsBody, Task<ReviewResult>> act, CancellationToken ct)
    {
        if (http.SessionOf(context) is not { } session) return ConsoleHttp.Unauthorized();
        if (!http.PassesCsrf(context.Request, session)) return ConsoleHttp.CsrfFailed();
        var (body, error) = await JsonBody.ReadAsync<IdsBody>(context.Request, MaxBodyBytes, ct).ConfigureAwait(false);
        if (error is not null) return error;
        return await act(session, body!).ConfigureAwait(false) switch
        {
            ReviewResult.Done done => Results.Json(done.Report, Json.Options),
            ReviewResult.Invalid invalid => Problems.Validation(invalid.Errors),
            _ => Problems.PetitionNotFound(),
        };
    }

    public async Task<IResult> ListUpdatesAsync(HttpContext context, string petitionId, CancellationToken ct)
    {
        if (http.SessionOf(context) is not { } session) return ConsoleHttp.Unauthorized();
        var list = await handlers.ListUpdatesAsync(session, petitionId, ct).ConfigureAwait(false);
        return list is null ? Problems.PetitionNotFound() : Private(context, Results.Json(new { updates = list }, Json.Options));
    }

    public async Task<IResult> PublishUpdateAsync(HttpContext context, string petitionId, CancellationToken ct)
    {
        if (http.SessionOf(context) is not { } session) return ConsoleHttp.Unauthorized();
        if (!http.PassesCsrf(context.Request, session)) return ConsoleHttp.CsrfFailed();
        var (update, error) = await JsonBody.ReadAsync<UpdateRequest>(context.Request, MaxBodyBytes, ct).ConfigureAwait(false);
        if (error is not null) return error;
        return UpdateEndpoints.ToHttp(context.Request, await handlers.PublishUpdateAsync(session, petitionId, update!, ct).ConfigureAwait(false));
    }

    public async Task<IResult> SourcesAsync(HttpContext context, string petitionId, CancellationToken ct)
    {
        if (http.SessionOf(context) is not { } session) return ConsoleHttp.Unauthorized();
        var counts = await handlers.SourcesAsync(session, petitionId, ct).ConfigureAwait(false);
        return counts is null ? Problems.PetitionNotFound() : Private(context, Results.Json(counts, Json.Options));
    }

    public async Task<IResult> ExportAsync(HttpContext context, string petitionId, CancellationToken ct)
    {
        if (http.SessionOf(context) is not { } session) return ConsoleHttp.Unauthorized();
        if (!await handlers.CanExportAsync(session, petitionId, ct).ConfigureAwait(false)) return Problems.PetitionNotFound();
        return new SignersCsv(petitionId, (output, ct) => handlers.ExportAsync(petitionId, output, ct));
    }

    public async Task<IResult> DeliveryFileAsync(HttpContext context, string petitionId, string targetId, string week, string file, CancellationToken ct)
    {
        if (http.SessionOf(context) is not { } session) return ConsoleHttp.Unauthorized();
        var stream = await handlers.OpenDeliveryFileAsync(session, petitionId, targetId, week, file, ct).ConfigureAwait(false);
        if (stream is null)
            return Problems.Create(StatusCodes.Status404NotFound, "file_not_found", "File not found", "This delivery has no such file (or it was deleted after the petition was anonymised).");
        var type = Path.GetExtension(file) switch { ".pdf" => "application/pdf", ".csv" => "text/csv; charset=utf-8", _ => "application/json" };
        context.Response.Headers.CacheControl = "no-store";
        return Results.Stream(stream, type, $"{petitionId}-{targetId}-{week}-{file}");
    }

    private static IResult Private(HttpContext context, IResult result)
    {
        context.Response.Headers.CacheControl = "no-store";
        return result;
    }
}
