using System.Net;
using System.Net.Sockets;
using SignaturePipeline.Security;

namespace SignaturePipeline.Webhooks;

/// <summary>Resolves a host name to addresses; tests stub it so no test ever asks a real resolver or reaches outside loopback.</summary>
public interface IWebhookResolver
{
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct);
}

public sealed class DnsWebhookResolver : IWebhookResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) => Dns.GetHostAddressesAsync(host, ct);
}

/// <summary>The connection to a webhook was refused before any byte was sent: the address is not one we deliver to.</summary>
public sealed class WebhookAddressRefusedException(string host) : Exception($"No allowed address for webhook host '{host}'.");

/// <summary>
/// The one HTTP handler webhooks are sent through. Its <see cref="SocketsHttpHandler.ConnectCallback"/> resolves the host
/// itself and connects only to an address <see cref="WebhookAddressPolicy"/> allows, so the check is on the connection
/// actually made (no gap between a check and a second resolution). Redirects are not followed (a 3xx is a failure),
/// no proxy is used (it would connect for us), and connecting has its own timeout.
/// </summary>
public static class WebhookHttp
{
    public const string ClientName = "webhooks";

    public static SocketsHttpHandler CreateHandler(IWebhookResolver resolver, bool allowLoopback, TimeSpan connectTimeout) => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        ConnectTimeout = connectTimeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        MaxResponseHeadersLength = 16,
        ConnectCallback = (context, ct) => ConnectAsync(resolver, allowLoopback, context.DnsEndPoint, ct),
    };

    /// <summary>Connects to the first allowed address of <paramref name="endPoint"/>; refuses when none is allowed.</summary>
    public static async ValueTask<Stream> ConnectAsync(IWebhookResolver resolver, bool allowLoopback, DnsEndPoint endPoint, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(endPoint.Host, out var literal) ? [literal]
            : await resolver.ResolveAsync(endPoint.Host, ct).ConfigureAwait(false);
        var allowed = addresses.Where(a => WebhookAddressPolicy.IsAllowed(a, allowLoopback)).ToList();
        if (allowed.Count == 0) throw new WebhookAddressRefusedException(endPoint.Host);
        Exception? last = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endPoint.Port), ct).ConfigureAwait(false);
                // The address connected to, checked once more: what the socket reports is what we reached.
                if (socket.RemoteEndPoint is not IPEndPoint remote || !WebhookAddressPolicy.IsAllowed(remote.Address, allowLoopback))
                    throw new WebhookAddressRefusedException(endPoint.Host);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (Exception e) when (e is SocketException or WebhookAddressRefusedException)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }
}
