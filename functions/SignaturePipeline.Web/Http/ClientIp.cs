using System.Net;
using Microsoft.AspNetCore.Http;

namespace SignaturePipeline.Web.Http;

/// <summary>The client's IP as the pipeline's rate limits see it.</summary>
public static class ClientIp
{
    /// <summary>
    /// With <paramref name="trustForwardedFor"/>, the last <c>X-Forwarded-For</c> entry: the one the platform's front end
    /// appended. Entries to its left are what the client claimed and are never believed. Anything unparsable falls back
    /// to the connection's address.
    /// </summary>
    public static IPAddress? Of(HttpContext context, bool trustForwardedFor)
    {
        if (trustForwardedFor)
        {
            var header = context.Request.Headers["X-Forwarded-For"];
            var last = header.Count > 0 ? header[^1] : null;
            if (!string.IsNullOrEmpty(last) && last.Length <= 1000)
            {
                var entry = last[(last.LastIndexOf(',') + 1)..].Trim();
                if (IPAddress.TryParse(entry, out var ip)) return ip;
                if (IPEndPoint.TryParse(entry, out var endpoint)) return endpoint.Address;
            }
        }
        return context.Connection.RemoteIpAddress;
    }
}
