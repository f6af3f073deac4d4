using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using SignaturePipeline.Abuse;
using SignaturePipeline.OrganizerConsole;
using SignaturePipeline.Petitions;
using SignaturePipeline.Web.Http;

namespace SignaturePipeline.Web.OrganizerConsole;

/// <summary>
/// The console's pages: <c>/console</c> (the sign-in form, or the console itself for a session), the page an emailed link
/// opens (a button: its POST signs in, so a mail scanner that follows the link signs in no one), the operator's sign-in
/// with the admin key, sign-out, the console's script and style (embedded: no CDN, no build step), and the landing page at
/// <c>/</c>. Sign-in forms check that they were posted from this site.
/// </summary>
public sealed class ConsolePages(ConsoleSignIn signIn, ConsoleTokens tokens, ConsoleHttp http, PetitionHandlers petitions, IConfiguration configuration,
    IOptions<ConsoleOptions> options, IOptions<AbuseOptions> abuse, IOptions<PipelineOptions> pipeline)
{
    /// <summary>Scripts and styles from this app only; the console's data from this app only; no frames.</summary>
    private const string Policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    // Read once per process (ConsolePages is a singleton).
    private readonly Dictionary<string, (byte[] Bytes, string Type)> _assets = new(StringComparer.Ordinal)
    {
        ["console.js"] = (Embedded("console.js"), "text/javascript; charset=utf-8"),
        ["console.css"] = (Embedded("console.css"), "text/css; charset=utf-8"),
        ["usa-map.js"] = (Encoding.UTF8.GetBytes(UsMapScript()), "text/javascript; charset=utf-8"),
    };

    public IResult Console(HttpContext context)
    {
        if (http.SessionOf(context) is not { } session) return SignInForm(null, null, StatusCodes.Status200OK);
        var csrf = HtmlPages.Encode(http.CsrfTokenOf(session));
        var who = session.IsOperator ? "operator" : "organizer";
        return Page("Organizers' console", $$"""
            <header class="top"><a class="brand" href="/console">Organizers' console</a>
            <span class="who">Signed in as {{who}}</span>
            <form method="post" action="/console/signout"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="link">Sign out</button></form></header>
            <main id="app" tabindex="-1" data-csrf="{{csrf}}" data-operator="{{(session.IsOperator ? "true" : "false")}}"><p>Loading…</p></main>
            <noscript><p class="card">The console needs JavaScript. Everything it shows is also in the admin API (README).</p></noscript>
            <script src="/console/assets/usa-map.js" defer></script>
            <script src="/console/assets/console.js" defer></script>
            """, StatusCodes.Status200OK);
    }

    private static IResult SignInForm(string? error, string? value, int status)
    {
        var invalid = error is null ? "" : " aria-invalid=\"true\" aria-describedby=\"email-error\"";
        var message = error is null ? "" : $"<p class=\"err\" id=\"email-error\">{HtmlPages.Encode(error)}</p>";
        return Page("Sign in: organizers' console", $$"""
            <main class="narrow"><div class="card">
            <h1>Organizers' console</h1>
            <p>Organizers of a petition sign in with a link sent to the address the petition lists for them.</p>
            <form method="post" action="/console/signin" novalidate>
            <label for="email">Your email address</label>
            <input id="email" name="email" type="email" autocomplete="email" required value="{{HtmlPages.Encode(value)}}"{{invalid}}>
            {{message}}
            <button type="submit">Email me a sign-in link</button>
            </form>
            <details><summary>Operator sign-in</summary>
            <form method="post" action="/console/operator">
            <label for="key">Admin key</label>
            <input id="key" name="key" type="password" autocomplete="current-password" required>
            <button type="submit">Sign in as operator</button>
            </form></details>
            </div></main>
            """, status);
    }

    public async Task<IResult> RequestLinkAsync(HttpContext context, CancellationToken ct)
    {
        if (!ConsoleHttp.IsSameOrigin(context.Request) || !context.Request.HasFormContentType) return ConsoleHttp.CsrfFailed();
        var form = await context.Request.ReadFormAsync(ct).ConfigureAwait(false);
        var email = form["email"].ToString();
        var baseUrl = pipeline.Value.PublicBaseUrlOr($"{context.Request.Scheme}://{context.Request.Host}");
        var ip = ClientIp.Of(context, abuse.Value.TrustForwardedFor)?.ToString();
        return await signIn.RequestLinkAsync(email, ip, baseUrl, ct).ConfigureAwait(false) switch
        {
            SignInRequestOutcome.EmailInvalid => SignInForm("Enter an email address, like name@example.org.", email, StatusCodes.Status400BadRequest),
            SignInRequestOutcome.RateLimited => Message("Too many sign-in requests", "Please wait a while",
                "Too many sign-in links were asked for from here or for this address. Try again in an hour.", StatusCodes.Status429TooManyRequests),
            _ => Message("Check your email", "Check your email",
                $"If this address organizes a petition here, a sign-in link is on its way. It works once, for {options.Value.SignInLinkMinutes.ToString(CultureInfo.InvariantCulture)} minutes.",
                StatusCodes.Status200OK),
        };
    }

    /// <summary>The page an emailed link opens: a button, and nothing else happens until it is pressed.</summary>
    public IResult LinkPage(HttpContext context)
    {
        var token = context.Request.Query["token"].ToString();
        if (tokens.ReadLinkToken(token) is null) return ExpiredLink();
        return Page("Sign in: organizers' console", $$"""
            <main class="narrow"><div class="card">
            <h1>Sign in to the organizers' console</h1>
            <form method="post" action="/console/session">
            <input type="hidden" name="token" value="{{HtmlPages.Encode(token)}}">
            <button type="submit">Sign in</button>
            </form></div></main>
            """, StatusCodes.Status200OK);
    }

    public async Task<IResult> SessionAsync(HttpContext context, CancellationToken ct)
    {
        if (!ConsoleHttp.IsSameOrigin(context.Request) || !context.Request.HasFormContentType) return ConsoleHttp.CsrfFailed();
        var form = await context.Request.ReadFormAsync(ct).ConfigureAwait(false);
        var session = await signIn.RedeemAsync(form["token"].ToString(), ct).ConfigureAwait(false);
        if (session is null) return ExpiredLink();
        http.SignIn(context, session);
        return Results.Redirect("/console", permanent: false, preserveMethod: false);
    }

    public async Task<IResult> OperatorAsync(HttpContext context, CancellationToken ct)
    {
        if (!ConsoleHttp.IsSameOrigin(context.Request) || !context.Request.HasFormContentType) return ConsoleHttp.CsrfFailed();
        var form = await context.Request.ReadFormAsync(ct).ConfigureAwait(false);
        var ip = ClientIp.Of(context, abuse.Value.TrustForwardedFor)?.ToString();
        var session = signIn.SignInOperator(form["key"].ToString(), configuration["AdminKey"], ip);
        if (session is null)
            return Message("Not signed in", "That key did not work", "Check the admin key (or wait an hour after many attempts).", StatusCodes.Status401Unauthorized, "/console", "Back to sign-in");
        http.SignIn(context, session);
        return Results.Redirect("/console");
    }

    public async Task<IResult> SignOutAsync(HttpContext context, CancellationToken ct)
    {
        if (http.SessionOf(context) is { } session)
        {
            var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(ct).ConfigureAwait(false) : null;
            if (!http.PassesCsrf(context.Request, session, form?[ConsoleHttp.CsrfField].ToString())) return ConsoleHttp.CsrfFailed();
        }
        ConsoleHttp.SignOut(context);
        return Results.Redirect("/console");
    }

    public IResult Asset(HttpContext context, string name)
    {
        if (!_assets.TryGetValue(name, out var asset)) return Results.NotFound();
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return Results.Bytes(asset.Bytes, asset.Type);
    }

    /// <summary>
    /// <c>/</c>: the open petitions, with links to their pages and to the console. The route is a catch-all (see
    /// <see cref="Routes.Landing"/>), so any other address that no route serves is answered here with a 404 page.
    /// </summary>
    public async Task<IResult> LandingAsync(HttpContext context, string? path, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(path))
            return Message("Not found", "Page not found", "There is nothing at this address.", StatusCodes.Status404NotFound, "/", "See the open petitions");
        var open = await petitions.ListOpenAsync(ct).ConfigureAwait(false);
        var list = new StringBuilder();
        foreach (var p in open.OrderBy(p => p.Title, StringComparer.CurrentCulture))
            list.Append("<li><a href=\"/petitions/").Append(Uri.EscapeDataString(p.Id)).Append("\">").Append(HtmlPages.Encode(p.Title)).Append("</a> <span class=\"small\">")
                .Append(p.SignatureCount.ToString("N0", CultureInfo.InvariantCulture)).Append(" signatures</span></li>");
        var items = list.Length == 0 ? "<p>No petition is open right now.</p>" : $"<ul class=\"petitions\">{list}</ul>";
        return Page("Petitions", $$"""
            <main class="narrow"><h1>Open petitions</h1>
            {{items}}
            <p><a href="/console">Organizers' console</a></p></main>
            """, StatusCodes.Status200OK);
    }

    private IResult ExpiredLink() =>
        Message("Link expired", "This sign-in link no longer works",
            $"A link works once, for {options.Value.SignInLinkMinutes.ToString(CultureInfo.InvariantCulture)} minutes. Ask for a new one.", StatusCodes.Status400BadRequest, "/console", "Ask for a new link");

    private static IResult Message(string title, string heading, string text, int status, string? href = null, string? linkText = null) =>
        Page(title, $"""<main class="narrow"><div class="card"><h1>{HtmlPages.Encode(heading)}</h1><p>{HtmlPages.Encode(text)}</p>{(href is null ? "" : $"<p><a href=\"{HtmlPages.Encode(href)}\">{HtmlPages.Encode(linkText)}</a></p>")}</div></main>""", status);

    private static IResult Page(string title, string body, int status) => new ConsoleHtml($$"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{HtmlPages.Encode(title)}}</title><link rel="stylesheet" href="/console/assets/console.css">
        </head><body>{{body}}</body></html>
        """, status);

    private static byte[] Embedded(string name)
    {
        using var stream = typeof(ConsolePages).Assembly.GetManifestResourceStream("SignaturePipeline.Web.OrganizerConsole." + name)
            ?? throw new InvalidOperationException($"{name} is not embedded in the Web assembly.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>The state shapes (<see cref="Geography.UsMap"/>) as a script the console draws its map from.</summary>
    private static string UsMapScript() =>
        "window.USA_MAP=" + System.Text.Json.JsonSerializer.Serialize(new
        {
            viewBox = Geography.UsMap.ViewBox,
            attribution = Geography.UsMap.Attribution,
            states = Geography.UsMap.States.Select(s => new { id = s.Code, name = s.Name, d = s.Path }),
        }) + ";";

    private sealed class ConsoleHtml(string html, int status) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = status;
            response.ContentType = HtmlPages.ContentType;
            response.Headers.CacheControl = "no-store";
            response.Headers.ContentSecurityPolicy = Policy;
            if (httpContext.Request.IsHttps) response.Headers.StrictTransportSecurity = "max-age=31536000";
            response.Headers.XContentTypeOptions = "nosniff";
            // "same-origin", not "no-referrer": with no-referrer the browser sends "Origin: null" on the console's own form posts.
            response.Headers["Referrer-Policy"] = "same-origin";
            return response.WriteAsync(html, Encoding.UTF8, httpContext.RequestAborted);
        }
    }
}
