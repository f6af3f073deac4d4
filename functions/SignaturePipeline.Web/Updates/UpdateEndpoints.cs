using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using SignaturePipeline.Updates;
using SignaturePipeline.Web.Http;
using SignaturePipeline.Web.Pages;
using static SignaturePipeline.Web.Http.HtmlPages;

namespace SignaturePipeline.Web.Updates;

/// <summary>
/// Updates to signers: the admin routes that publish and follow them, and the unsubscribe link of every update email.
/// That link answers a POST at once (RFC 8058 one-click, the mail client's own button, or the page's button); a GET only
/// shows the button, because mail scanners follow links and must unsubscribe no one.
/// </summary>
public sealed class UpdateEndpoints(UpdateHandlers handlers)
{
    private const int MaxBodyBytes = 128 * 1024;
    private const int MaxFormBytes = 4096;

    public async Task<IResult> PublishAsync(HttpRequest request, string petitionId, CancellationToken ct)
    {
        if (request.ContentLength > MaxBodyBytes) return Problems.BodyTooLarge(MaxBodyBytes);
        if (request.ContentType is null || !request.ContentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            return Problems.UnsupportedMediaType(request.ContentType);
        UpdateRequest? update;
        try
        {
            await using var body = await BoundedBody.ReadAsync(request, MaxBodyBytes, ct).ConfigureAwait(false);
            if (body is null) return Problems.BodyTooLarge(MaxBodyBytes);
            update = await JsonSerializer.DeserializeAsync<UpdateRequest>(body, Json.Options, ct).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            return Problems.Malformed($"The update is not valid JSON: {e.Message}");
        }
        if (update is null) return Problems.Malformed("Send the update as a JSON object.");

        return ToHttp(request, await handlers.PublishAsync(petitionId, update, ct).ConfigureAwait(false));
    }

    /// <summary>What a published update answers, here and in the organizers' console.</summary>
    public static IResult ToHttp(HttpRequest request, PublishResult result) =>
        result switch
        {
            PublishResult.Published published => Results.Json(
                new { updateId = published.Update.UpdateId, recipients = published.Recipients, status = "sending" }, Json.Options, statusCode: StatusCodes.Status201Created),
            PublishResult.Invalid invalid => Problems.Validation(invalid.Errors),
            PublishResult.WeeklyCapReached cap => WeeklyCap(request, cap),
            _ => Problems.PetitionNotFound(),
        };

    private static IResult WeeklyCap(HttpRequest request, PublishResult.WeeklyCapReached cap)
    {
        var wait = cap.NextAllowedAt - DateTimeOffset.UtcNow;
        request.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return Problems.Create(StatusCodes.Status429TooManyRequests, "update_limit_reached", "Too many updates this week",
            $"A petition may send {cap.MaxPerWeek} updates in 7 days, so that signers keep reading them. The next one can go out after " +
            $"{cap.NextAllowedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC. A response from the target or a victory is not limited.");
    }

    public async Task<IResult> ListAsync(string petitionId, CancellationToken ct) =>
        await handlers.ListAsync(petitionId, ct).ConfigureAwait(false) is { } list
            ? Results.Json(new { updates = list }, Json.Options)
            : Problems.PetitionNotFound();

    public async Task<IResult> GetAsync(string petitionId, string updateId, CancellationToken ct) =>
        await handlers.GetAsync(petitionId, updateId, ct).ConfigureAwait(false) is { } update
            ? Results.Json(update, Json.Options)
            : Problems.Create(StatusCodes.Status404NotFound, "update_not_found", "Update not found", "This petition has no update with this id.");

    public async Task<IResult> UnsubscribePageAsync(HttpRequest request, string petitionId, CancellationToken ct)
    {
        var token = request.Query["token"].ToString();
        return Render(await handlers.CheckUnsubscribeAsync(petitionId, token.Length > 0 ? token : null, ct).ConfigureAwait(false), petitionId, PageLanguage.Of(request));
    }

    /// <summary>
    /// Unsubscribes at once: the token comes in the query (a mail client's one-click POST, whose body is
    /// <c>List-Unsubscribe=One-Click</c>) or in the page button's form.
    /// </summary>
    public async Task<IResult> UnsubscribeAsync(HttpRequest request, string petitionId, CancellationToken ct)
    {
        var token = request.Query["token"].ToString();
        var posted = (string?)null;
        if (request.HasFormContentType)
        {
            try
            {
                var body = await BoundedBody.ReadAsync(request, MaxFormBytes, ct).ConfigureAwait(false);
                if (body is null) return Problems.BodyTooLarge(MaxFormBytes);
                request.Body = body;
                var form = await request.ReadFormAsync(ct).ConfigureAwait(false);
                if (form.TryGetValue("token", out var value) && value.ToString().Length > 0) token = value.ToString();
                posted = form.TryGetValue("lang", out var lang) ? lang.ToString() : null;
            }
            catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
            {
                // An unreadable body: the token in the query still decides.
            }
        }
        var result = await handlers.UnsubscribeAsync(petitionId, token.Length > 0 ? token : null, ct).ConfigureAwait(false);
        return Render(result, petitionId, PageLanguage.Of(request, posted));
    }

    private static IResult Render(UnsubscribeResult result, string petitionId, PageLanguage language)
    {
        var t = language.Strings;
        var title = result.Petition?.Title ?? t.ThisPetition;
        var quoted = Encode(title);
        var back = $"/petitions/{Encode(petitionId)}" + (language.Query is { } query ? "?" + query : "");
        var body = new StringBuilder("<div class=\"card\">");
        var status = StatusCodes.Status200OK;
        switch (result.Outcome)
        {
            case UnsubscribeOutcome.Ready:
                body.Append("<h1>").Append(t.UnsubscribeHeading).Append("</h1><p>").Append(t.Format(t.UnsubscribeText, quoted)).Append("</p>")
                    .Append("<form method=\"post\" action=\"/petitions/").Append(Encode(petitionId)).Append("/unsubscribe\"><input type=\"hidden\" name=\"token\" value=\"")
                    .Append(Encode(result.Token)).Append("\">");
                if (language.Carried is { } lang) body.Append("<input type=\"hidden\" name=\"lang\" value=\"").Append(Encode(lang)).Append("\">");
                body.Append("<button type=\"submit\">").Append(t.UnsubscribeButton).Append("</button></form>");
                break;
            case UnsubscribeOutcome.Unsubscribed:
                body.Append("<h1>").Append(t.Unsubscribed).Append("</h1><p>").Append(t.Format(t.UnsubscribedText, quoted)).Append("</p>");
                break;
            case UnsubscribeOutcome.Expired:
                status = StatusCodes.Status410Gone;
                body.Append("<h1>").Append(t.LinkExpired).Append("</h1><p>").Append(t.BadLinkText).Append("</p>");
                break;
            default:
                status = StatusCodes.Status400BadRequest;
                body.Append("<h1>").Append(t.BadLink).Append("</h1><p>").Append(t.BadLinkText).Append("</p>");
                break;
        }
        body.Append("<p><a href=\"").Append(back).Append("\">").Append(t.Back).Append("</a></p></div>");
        return Page(title, body.ToString(), status, lang: t.Lang, varyByLanguage: language.Negotiated);
    }
}
