using System.Text;
using Microsoft.AspNetCore.Http;
using SignaturePipeline.Petitions;

namespace SignaturePipeline.Tests.Pages;

/// <summary>Runs a page's result against an in-memory response, so a test reads the HTML a browser would get.</summary>
internal static class PageRendering
{
    public sealed record Response(int Status, IHeaderDictionary Headers, string Html);

    public static async Task<Response> RunAsync(IResult result)
    {
        var context = new DefaultHttpContext();
        using var body = new MemoryStream();
        context.Response.Body = body;
        await result.ExecuteAsync(context);
        return new(context.Response.StatusCode, context.Response.Headers, Encoding.UTF8.GetString(body.ToArray()));
    }

    public static HttpRequest Request(string queryString = "", string? acceptLanguage = null)
    {
        var context = new DefaultHttpContext();
        context.Request.QueryString = new QueryString(queryString);
        if (acceptLanguage is not null) context.Request.Headers.AcceptLanguage = acceptLanguage;
        return context.Request;
    }

    public static Petition Petition(PetitionStatus status = PetitionStatus.Open) => new()
    {
        Id = "stop-s-comm",
        Title = "Stop S-Comm <now> & \"forever\"",
        Letter = "Dear Governor,\n\nEnd the agreement.",
        Targets = [new PetitionTarget(TargetKind.Governor, "Gov. Andrew Cuomo", "governor@example.org", "NY")],
        Organizers = ["organizer@example.org"],
        Goal = 5000,
        Milestones = [],
        Status = status,
        AllowedOrigins = ["*"],
    };
}
