using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace SignaturePipeline.Web.Http;

/// <summary>
/// One line per request with the route it matched, never the address it was asked for: query strings carry signers'
/// confirmation and removal tokens and, on admin routes, the key (<c>?code=</c>), and logs outlive both. ASP.NET Core's
/// own request lines, which print the whole URL, are turned down to warnings (<see cref="QuietCategory"/>).
/// </summary>
public sealed partial class RequestLog(RequestDelegate next, ILogger<RequestLog> logger)
{
    /// <summary>The category whose "Request starting … ?token=…" lines are kept out of the logs.</summary>
    public const string QuietCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";
            Handled(logger, context.Request.Method, route, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "HTTP {Method} {Route} answered {StatusCode} in {ElapsedMilliseconds:0.0} ms")]
    private static partial void Handled(ILogger logger, string method, string route, int statusCode, double elapsedMilliseconds);
}
