using System.Net;
using Microsoft.AspNetCore.Http;
using SignaturePipeline.Abuse;
using SignaturePipeline.Web.Http;

namespace SignaturePipeline.Tests.Http;

/// <summary>
/// Which address the rate limits key on. In Azure the worker's own forwarded-headers step has already turned the host's
/// single X-Forwarded-For entry into the connection's address (README, "The client IP in Azure"); a proxy of your own
/// in front of the local host appends its entry last.
/// </summary>
public sealed class ClientIpTests
{
    private static readonly IPAddress Connection = IPAddress.Parse("198.51.100.9");

    private static IPAddress? Of(bool trust, IPAddress? connection, params string[] forwardedFor)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = connection;
        if (forwardedFor.Length > 0) context.Request.Headers["X-Forwarded-For"] = forwardedFor;
        return ClientIp.Of(context, trust);
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8::7", "2001:db8::7")]
    [InlineData("203.0.113.7:51234", "203.0.113.7")]
    [InlineData("[2001:db8::7]:51234", "2001:db8::7")]
    [InlineData("10.0.0.1, 203.0.113.7", "203.0.113.7")]
    [InlineData("  10.0.0.1 ,203.0.113.7:443  ", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    public void A_trusted_proxys_last_entry_is_the_client_whatever_its_shape(string header, string expected) =>
        Assert.Equal(IPAddress.Parse(expected), Of(trust: true, Connection, header));

    [Fact]
    public void Of_several_header_lines_the_last_is_the_trusted_proxys() =>
        Assert.Equal(IPAddress.Parse("203.0.113.7"), Of(trust: true, Connection, "192.0.2.1", "192.0.2.2, 203.0.113.7"));

    [Fact]
    public void Entries_the_client_wrote_to_the_left_are_never_believed() =>
        Assert.Equal(IPAddress.Parse("203.0.113.7"), Of(trust: true, Connection, "127.0.0.1, 192.0.2.55, 203.0.113.7"));

    [Theory]
    [InlineData("unknown")]
    [InlineData("_hidden")]
    [InlineData("")]
    [InlineData("203.0.113.7, not-an-address")]
    public void An_entry_that_is_no_address_falls_back_to_the_connection(string header) =>
        Assert.Equal(Connection, Of(trust: true, Connection, header));

    [Fact]
    public void No_header_means_the_connections_address() =>
        Assert.Equal(Connection, Of(trust: true, Connection));

    [Fact]
    public void An_overlong_header_is_ignored() =>
        Assert.Equal(Connection, Of(trust: true, Connection, string.Join(", ", Enumerable.Repeat("192.0.2.1", 200)) + ", 203.0.113.7"));

    [Fact]
    public void Untrusted_the_header_is_ignored_and_the_connection_counts() =>
        Assert.Equal(Connection, Of(trust: false, Connection, "203.0.113.7"));

    [Fact]
    public void An_IPv4_client_on_an_IPv6_socket_is_keyed_as_IPv4() =>
        Assert.Equal(IPAddress.Parse("198.51.100.9"), Of(trust: false, IPAddress.Parse("::ffff:198.51.100.9")));

    [Fact]
    public void An_IPv6_connection_stays_IPv6() =>
        Assert.Equal(IPAddress.Parse("2001:db8::9"), Of(trust: false, IPAddress.Parse("2001:db8::9")));

    [Fact]
    public void Azure_by_default_keys_on_the_connection_not_on_any_header() =>
        Assert.False(new AbuseOptions().TrustForwardedFor);
}
