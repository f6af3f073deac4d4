using System.Net;
using Microsoft.AspNetCore.Http;

namespace SignaturePipeline.Web.Http;

/// <summary>The client's IP as the pipeline's rate limits see it.</summary>
public static class ClientIp
{
    private const int MaxHeaderLength = 1000;

    /// <summary>
    /// The connection's address; with <paramref name="trustForwardedFor"/>, the last <c>X-Forwarded-For</c> entry
    /// instead: the one a trusted proxy in front appended. Entries to its left are what the client claimed and are never
    /// believed. An entry that is no address (<c>unknown</c>, an obfuscated name) falls back to the connection's address.
    /// IPv4 clients reached over an IPv6 socket are reported as IPv4, so one client has one key.
    /// </summary>
    public static IPAddress? Of(HttpContext context, bool trustForwardedFor)
    {
        var ip = (trustForwardedFor ? LastForwardedFor(context.Request.Headers["X-Forwarded-For"]) : null)
            ?? context.Connection.RemoteIpAddress;
        return ip is { IsIPv4MappedToIPv6: true } ? ip.MapToIPv4() : ip;
    }

    /// <summary>
    /// Parses the last entry: <c>203.0.113.7</c>, <c>203.0.113.7:51234</c> (Azure's front end adds the port),
    /// <c>2001:db8::7</c>, <c>[2001:db8::7]:51234</c>, from the last of several header lines or a comma-separated list.
    /// </summary>
    private static IPAddress? LastForwardedFor(Microsoft.Extensions.Primitives.StringValues header)
    {
        var last = header.Count > 0 ? header[^1] : null;
        if (string.IsNullOrEmpty(last) || last.Length > MaxHeaderLength) return null;
        var entry = last[(last.LastIndexOf(',') + 1)..].Trim();
        if (IPAddress.TryParse(entry, out var ip)) return ip;
        return IPEndPoint.TryParse(entry, out var endpoint) ? endpoint.Address : null;
    }
}
