using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace SignaturePipeline.Web.Http;

/// <summary>
/// The shell of every server-rendered page (Pages/). Callers pass body HTML they built with
/// <see cref="Encode"/> around every piece of text a signer or organizer wrote; the Content-Security-Policy
/// forbids scripts on these pages, so an escaping slip still cannot run code.
/// </summary>
public static class HtmlPages
{
    public const string ContentType = "text/html; charset=utf-8";

    /// <summary>
    /// No scripts; no framing (the widget is a script on the organizer's page, never a frame, so a page of ours in a frame
    /// could only be clickjacking); forms post only to this app, and to the origins a page names for the redirect after
    /// its post (browsers check form-action on redirects too).
    /// </summary>
    private const string Policy = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    /// <summary>A year, the common minimum for preload lists; sent only over https, as RFC 6797 requires.</summary>
    private const string StrictTransportSecurity = "max-age=31536000";

    private const string Css =
        "*,*::before,*::after{box-sizing:border-box}" +
        "body{font:1.0625rem/1.55 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;margin:0;color:#1b1b1b;background:#f6f6f4}" +
        "main{max-width:64rem;margin:0 auto;padding:1.25rem 1rem 3rem}" +
        "a{color:#0b57d0}h1{font-size:1.75rem;line-height:1.2;margin:.25rem 0 .75rem}h2{font-size:1.25rem;margin:0 0 .75rem}" +
        ".card{background:#fff;border:1px solid #d0d0d0;border-radius:10px;padding:1.25rem}" +
        ".to{color:#4a4a4a;margin:0}" +
        "progress{display:block;width:100%;height:.75rem;margin:.75rem 0 .25rem;appearance:none;border:0;border-radius:6px;background:#e3e3e3;overflow:hidden}" +
        "progress::-webkit-progress-bar{background:#e3e3e3}progress::-webkit-progress-value{background:#0b57d0}progress::-moz-progress-bar{background:#0b57d0}" +
        ".count{margin:0 0 1rem;color:#4a4a4a}.count b{color:#1b1b1b}" +
        ".cols{display:grid;gap:1.25rem}.letter p{margin:0 0 1rem}.jump{display:inline-block;margin-bottom:1rem;font-weight:600}" +
        // Side by side once there is room; the jump link only helps where the letter pushes the form off screen.
        "@media (min-width:54rem){.cols{grid-template-columns:minmax(0,1fr) 26rem;align-items:start}.cols form{position:sticky;top:1rem}.jump{display:none}}" +
        ".f{margin-bottom:1rem}label{display:block;font-weight:600;margin-bottom:.2rem}.opt{font-weight:400;color:#4a4a4a}" +
        "input,select,textarea{display:block;width:100%;font:inherit;color:#1b1b1b;background:#fff;border:1px solid #767676;border-radius:6px;padding:.55rem .65rem;margin:0}" +
        "textarea{min-height:5rem;resize:vertical}" +
        "[aria-invalid=true]{border:2px solid #b3261e}" +
        ".err{color:#b3261e;font-weight:600;margin:.25rem 0 0}" +
        ".row{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:0 .75rem}" +
        ".check{display:flex;gap:.6rem;align-items:flex-start;font-weight:400}.check input{width:1.25rem;height:1.25rem;margin-top:.15rem;flex:none}" +
        ".hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}" +
        "button{display:block;width:100%;font:inherit;font-weight:700;color:#fff;background:#0b57d0;border:0;border-radius:6px;padding:.8rem;cursor:pointer;margin-top:1rem}" +
        "button:hover{background:#0842a0}:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}" +
        ".summary{border:2px solid #b3261e;border-radius:6px;padding:.75rem 1rem;margin-bottom:1rem}.summary h2{color:#b3261e;font-size:1.1rem}.summary ul{margin:0;padding-left:1.2rem}" +
        ".notice{border-left:6px solid #2e7d32;background:#fff;padding:1rem 1.25rem;border-radius:6px}" +
        ".small{font-size:.9rem;color:#4a4a4a}" +
        ".share{margin-top:1rem}.share-links{list-style:none;padding:0;margin:.75rem 0 0;display:flex;flex-wrap:wrap;gap:.5rem}" +
        ".share-links a{display:inline-block;padding:.45rem .9rem;border:1px solid #0b57d0;border-radius:6px;text-decoration:none;font-weight:600}";

    /// <param name="lang">The page's language, for screen readers' voices and browsers' translate offers.</param>
    /// <param name="varyByLanguage">The language came from, or could have come from, Accept-Language: a shared cache must key on it.</param>
    /// <param name="formRedirectOrigin">An origin the page's form post may be redirected to (an organizer's thank-you page).</param>
    public static IResult Page(string title, string bodyHtml, int status, string? extraHead = null, string cacheControl = "no-store", string lang = "en", bool varyByLanguage = false,
        string? formRedirectOrigin = null) =>
        new HtmlResult($$"""
            <!doctype html>
            <html lang="{{Encode(lang)}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{Encode(title)}}</title>{{extraHead}}
            <style>{{Css}}</style>
            </head><body><main>{{bodyHtml}}</main></body></html>
            """, status, cacheControl, varyByLanguage, formRedirectOrigin is null ? Policy : $"{Policy} {formRedirectOrigin}");

    /// <summary>A page with one message, for outcomes that have no form to show (not found, closed, unavailable).</summary>
    public static IResult Message(string title, string heading, string text, int status, string? linkHref = null, string? linkText = null, string lang = "en", bool varyByLanguage = false)
    {
        var body = new StringBuilder().Append("<div class=\"card\"><h1>").Append(Encode(heading)).Append("</h1><p>").Append(Encode(text)).Append("</p>");
        if (linkHref is not null) body.Append("<p><a href=\"").Append(Encode(linkHref)).Append("\">").Append(Encode(linkText)).Append("</a></p>");
        return Page(title, body.Append("</div>").ToString(), status, lang: lang, varyByLanguage: varyByLanguage);
    }

    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>The scheme, host and port of an absolute http(s) address, as a CSP source; null for anything else.</summary>
    public static string? OriginOf(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? uri.GetLeftPart(UriPartial.Authority)
            : null;

    private sealed class HtmlResult(string html, int status, string cacheControl, bool varyByLanguage, string policy) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = status;
            response.ContentType = ContentType;
            response.Headers.CacheControl = cacheControl;
            response.Headers.ContentSecurityPolicy = policy;
            if (httpContext.Request.IsHttps) response.Headers.StrictTransportSecurity = StrictTransportSecurity;
            response.Headers.XContentTypeOptions = "nosniff";
            if (varyByLanguage) response.Headers.Vary = "Accept-Language";
            response.Headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            return response.WriteAsync(html, Encoding.UTF8, httpContext.RequestAborted);
        }
    }
}
