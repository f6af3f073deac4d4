using Microsoft.AspNetCore.Http;
using SignaturePipeline.OrganizerConsole;
using SignaturePipeline.Web.Http;

namespace SignaturePipeline.Web.OrganizerConsole;

/// <summary>
/// The console's session cookie and its CSRF checks. The cookie is the signed session (<see cref="ConsoleTokens"/>):
/// <c>HttpOnly</c> (no script reads it), <c>SameSite=Strict</c> (no other site's page sends it), <c>Secure</c> whenever the
/// request is https, and it expires with the session. Every state-changing request must also carry the session's CSRF
/// token (header <see cref="CsrfHeader"/> or form field <see cref="CsrfField"/>) and, when the browser says where it comes
/// from (<c>Origin</c>, <c>Sec-Fetch-Site</c>), come from this site.
/// </summary>
public sealed class ConsoleHttp(ConsoleTokens tokens)
{
    public const string CookieName = "sp_console";
    public const string CsrfHeader = "X-CSRF-Token";
    public const string CsrfField = "csrf";

    public ConsoleSession? SessionOf(HttpContext context) => tokens.Decode(context.Request.Cookies[CookieName]);

    public string CsrfTokenOf(ConsoleSession session) => tokens.CsrfToken(session);

    public void SignIn(HttpContext context, ConsoleSession session) =>
        context.Response.Cookies.Append(CookieName, tokens.Encode(session), Options(context, session.ExpiresAt));

    public static void SignOut(HttpContext context) =>
        context.Response.Cookies.Delete(CookieName, Options(context, DateTimeOffset.UnixEpoch));

    private static CookieOptions Options(HttpContext context, DateTimeOffset expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };

    /// <summary>Whether the request comes from a page of this site, as far as the browser tells (a client that tells nothing passes).</summary>
    public static bool IsSameOrigin(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && site is not ("same-origin" or "none")) return false;
        var origin = request.Headers.Origin.ToString();
        return origin.Length == 0 || string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A state-changing request's checks: same origin, and the session's token in the header or <paramref name="formToken"/>.</summary>
    public bool PassesCsrf(HttpRequest request, ConsoleSession session, string? formToken = null)
    {
        var token = request.Headers[CsrfHeader].ToString();
        if (token.Length == 0) token = formToken ?? "";
        return IsSameOrigin(request) && tokens.IsCsrfToken(session, token);
    }

    public static IResult Unauthorized() =>
        Problems.Create(StatusCodes.Status401Unauthorized, "unauthorized", "Sign in first", "Sign in to the organizers' console at /console.");

    public static IResult CsrfFailed() =>
        Problems.Create(StatusCodes.Status403Forbidden, "csrf_failed", "Request refused",
            "This request did not come from the console's own page. Reload the console and try again.");
}
