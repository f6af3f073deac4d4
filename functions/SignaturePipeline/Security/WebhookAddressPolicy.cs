using System.Net;
using System.Net.Sockets;

namespace SignaturePipeline.Security;

/// <summary>
/// Which addresses a webhook may connect to: public unicast only. Refused: unspecified, loopback (unless allowed, for local
/// runs and tests), private (RFC 1918), CGNAT (100.64/10), link-local (169.254/16, fe80::/10, where cloud metadata
/// services live: 169.254.169.254, fd00:ec2::254 is unique-local), unique-local (fc00::/7), multicast, broadcast,
/// benchmarking and documentation ranges, 0/8, 240/4, and IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4,
/// Teredo), which are judged by the IPv4 address they carry or refused.
/// The check runs on the address actually connected to, after DNS resolution (<see cref="WebhookHttp"/>), so a name that
/// resolves to an inside address, or changes its answer between a check and the connection, gets nowhere.
/// </summary>
public static class WebhookAddressPolicy
{
    public static bool IsAllowed(IPAddress address, bool allowLoopback)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address)) return allowLoopback;
        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => IsPublicV4(address.GetAddressBytes()),
            AddressFamily.InterNetworkV6 => IsPublicV6(address),
            _ => false,
        };
    }

    private static bool IsPublicV4(byte[] b) => !(
        b[0] == 0 ||                                        // "this network", 0.0.0.0
        b[0] == 10 ||                                       // private
        b[0] == 100 && (b[1] & 0xC0) == 64 ||               // CGNAT 100.64.0.0/10
        b[0] == 127 ||                                      // loopback
        b[0] == 169 && b[1] == 254 ||                       // link-local, cloud metadata
        b[0] == 172 && (b[1] & 0xF0) == 16 ||               // private
        b[0] == 192 && b[1] == 0 && b[2] is 0 or 2 ||       // IETF protocol assignments, TEST-NET-1
        b[0] == 192 && b[1] == 88 && b[2] == 99 ||          // 6to4 relay anycast
        b[0] == 192 && b[1] == 168 ||                       // private
        b[0] == 198 && (b[1] & 0xFE) == 18 ||               // benchmarking 198.18.0.0/15
        b[0] == 198 && b[1] == 51 && b[2] == 100 ||         // TEST-NET-2
        b[0] == 203 && b[1] == 0 && b[2] == 113 ||          // TEST-NET-3
        b[0] >= 224);                                       // multicast, reserved, broadcast

    private static bool IsPublicV6(IPAddress address)
    {
        if (address.Equals(IPAddress.IPv6Any) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
            || address.IsIPv6UniqueLocal || address.IsIPv6Teredo) return false;
        var b = address.GetAddressBytes();
        // Global unicast is 2000::/3; everything else (IPv4-compatible ::a.b.c.d, discard, ORCHID, …) is refused.
        if ((b[0] & 0xE0) != 0x20) return false;
        // 6to4 (2002::/16) and NAT64 (64:ff9b::/96 is outside 2000::/3 already) carry an IPv4 address: judge that one.
        if (b[0] == 0x20 && b[1] == 0x02) return IsPublicV4([b[2], b[3], b[4], b[5]]);
        // Documentation 2001:db8::/32 and benchmarking 2001:2::/48.
        if (b[0] == 0x20 && b[1] == 0x01 && (b[2] == 0x0d && b[3] == 0xb8 || b[2] == 0x00 && b[3] == 0x02 && b[4] == 0 && b[5] == 0)) return false;
        return true;
    }
}
