using System.Net;
using SignaturePipeline.Security;
using SignaturePipeline.Webhooks;

namespace SignaturePipeline.Tests.Webhooks;

/// <summary>
/// Where a webhook may connect, with literal addresses and a stub resolver: nothing here sends a packet anywhere. The
/// refused cases never reach a socket (the stub counts no connection), and the one allowed connection is to loopback.
/// </summary>
public sealed class WebhookAddressTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("192.168.1.1")]
    [InlineData("100.64.0.1")]
    [InlineData("169.254.169.254")]
    [InlineData("fd00:ec2::254")]
    [InlineData("fe80::1")]
    [InlineData("fc00::1")]
    [InlineData("224.0.0.1")]
    [InlineData("ff02::1")]
    [InlineData("255.255.255.255")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("2002:a9fe:a9fe::1")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("2001:db8::1")]
    [InlineData("198.18.0.1")]
    public void Private_loopback_link_local_metadata_and_special_addresses_are_refused(string address)
    {
        Assert.False(WebhookAddressPolicy.IsAllowed(IPAddress.Parse(address), allowLoopback: false));
    }

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("8.8.8.8")]
    [InlineData("2606:2800:220:1:248:1893:25c8:1946")]
    [InlineData("::ffff:93.184.216.34")]
    public void Public_unicast_addresses_are_allowed(string address)
    {
        Assert.True(WebhookAddressPolicy.IsAllowed(IPAddress.Parse(address), allowLoopback: false));
    }

    [Fact]
    public void Loopback_is_allowed_only_when_the_setting_says_so_and_private_addresses_never()
    {
        Assert.True(WebhookAddressPolicy.IsAllowed(IPAddress.Loopback, allowLoopback: true));
        Assert.True(WebhookAddressPolicy.IsAllowed(IPAddress.IPv6Loopback, allowLoopback: true));
        Assert.False(WebhookAddressPolicy.IsAllowed(IPAddress.Parse("10.0.0.1"), allowLoopback: true));
        Assert.False(WebhookAddressPolicy.IsAllowed(IPAddress.Parse("169.254.169.254"), allowLoopback: true));
    }

    private sealed class StubResolver(params string[] addresses) : IWebhookResolver
    {
        public List<string> Asked { get; } = [];

        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
        {
            Asked.Add(host);
            return Task.FromResult(addresses.Select(IPAddress.Parse).ToArray());
        }
    }

    [Theory]
    [InlineData("169.254.169.254")]
    [InlineData("10.0.0.7")]
    [InlineData("fd00:ec2::254")]
    [InlineData("127.0.0.1")]
    public async Task A_name_that_resolves_to_a_refused_address_is_refused_before_any_connection(string resolved)
    {
        var resolver = new StubResolver(resolved);
        await Assert.ThrowsAsync<WebhookAddressRefusedException>(() =>
            WebhookHttp.ConnectAsync(resolver, allowLoopback: false, new DnsEndPoint("hooks.example.org", 443), CancellationToken.None).AsTask());
        Assert.Equal(["hooks.example.org"], resolver.Asked);
    }

    [Fact]
    public async Task A_request_through_the_webhook_handler_to_a_name_resolving_to_metadata_fails_without_leaving_the_process()
    {
        using var handler = WebhookHttp.CreateHandler(new StubResolver("169.254.169.254"), allowLoopback: false, TimeSpan.FromSeconds(1));
        using var client = new HttpClient(handler);
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri("http://metadata.example.org/latest")));
        Assert.IsType<WebhookAddressRefusedException>(e.InnerException);
    }

    [Fact]
    public void The_handler_follows_no_redirect_and_uses_no_proxy()
    {
        using var handler = WebhookHttp.CreateHandler(new StubResolver(), allowLoopback: false, TimeSpan.FromSeconds(1));
        Assert.False(handler.AllowAutoRedirect);
        Assert.False(handler.UseProxy);
        Assert.NotNull(handler.ConnectCallback);
    }

    [Fact]
    public void The_signature_header_is_the_hex_HMAC_of_timestamp_dot_body()
    {
        // Known answer: HMAC-SHA256("secret", "1700000000.{}").
        var header = WebhookSender.Sign("secret", "1700000000", "{}"u8);
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData("secret"u8, "1700000000.{}"u8));
        Assert.Equal("sha256=" + expected, header);
    }
}
