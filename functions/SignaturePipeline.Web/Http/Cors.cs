using Microsoft.AspNetCore.Http;
using SignaturePipeline.Petitions;

namespace SignaturePipeline.Web.Http;

/// <summary>
/// Per-petition CORS: each petition lists the sites whose forms may post to it. Azure's platform CORS is one
/// list per app, which cannot express that, so the functions answer CORS themselves.
/// </summary>
public static class Cors
{
    public static void AllowPetitionOrigin(HttpContext context, Petition? petition)
    {
        var origin = context.Request.Headers.Origin.ToString();
        context.Response.Headers.Vary = "Origin";
        if (origin.Length > 0 && petition is not null && petition.AllowsOrigin(origin))
        {
            context.Response.Headers.AccessControlAllowOrigin = origin;
            context.Response.Headers.AccessControlExposeHeaders = "Location";
        }
    }

    /// <summary>Public reads (petition, counts, receipts) carry nothing private, so any page may fetch them.</summary>
    public static void AllowAnyOrigin(HttpContext context) => context.Response.Headers.AccessControlAllowOrigin = "*";

    public static IResult Preflight(HttpContext context, Petition? petition)
    {
        AllowPetitionOrigin(context, petition);
        if (context.Response.Headers.AccessControlAllowOrigin.Count > 0)
        {
            context.Response.Headers.AccessControlAllowMethods = "POST, OPTIONS";
            context.Response.Headers.AccessControlAllowHeaders = "Content-Type, Accept";
            context.Response.Headers.AccessControlMaxAge = "600";
        }
        return Results.NoContent();
    }
}
