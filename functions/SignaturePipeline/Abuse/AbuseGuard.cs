using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using SignaturePipeline.Security;

namespace SignaturePipeline.Abuse;

/// <summary>Who sent a signature, as intake sees it. No HTTP types: the host fills it in.</summary>
public sealed record SignerContext(IPAddress? ClientIp, string? CaptchaResponse = null)
{
    public static readonly SignerContext None = new((IPAddress?)null);
}

/// <summary>
/// Intake's rate limits: fixed one-minute and one-hour windows per (petition, IP) and per petition, counted in
/// memory. Intake must stay fast, so there is no table read per request; the price is that limits are per instance.
/// Over the limit the signature is still accepted (the same 202), only flagged: a bot learns nothing from the answer.
/// </summary>
public sealed class AbuseGuard(IOptions<AbuseOptions> options, Hmac hmac, TimeProvider clock)
{
    private const int PruneAbove = 100_000;

    private sealed class Window
    {
        public long Index;
        public int Count;
        public int Previous;
    }

    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);

    /// <summary>The keyed hash stored instead of an IP: organizers can group and invalidate by it, nobody can read the IP back.</summary>
    public string? IpHash(IPAddress? ip) => ip is null ? null : hmac.Hex("ip", ip.ToString(), 16);

    /// <summary>Counts this signature and returns why it must be held, or null.</summary>
    public string? Check(string petitionId, IPAddress? ip)
    {
        var o = options.Value;
        if (ip is not null && o.LoopbackExempt && IPAddress.IsLoopback(ip)) return null;
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        if (_windows.Count > PruneAbove) Prune((long)(now / 3600));

        // Every window is counted even when an earlier one already decided, so a flood stays over its limits.
        string? flag = null;
        if (Hit("p|" + petitionId, now, 60) > o.PerPetitionPerMinute) flag = AbuseFlags.PetitionRate;
        if (ip is not null)
        {
            var source = ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4().ToString() : ip.ToString();
            if (Hit($"h|{petitionId}|{source}", now, 3600) > o.PerIpPerHour) flag = AbuseFlags.IpHourly;
            if (Hit($"m|{petitionId}|{source}", now, 60) > o.PerIpBurst) flag = AbuseFlags.IpBurst;
        }
        return flag;
    }

    /// <summary>
    /// A sliding-window estimate: this window's count plus the previous window's, weighted by how much of it the
    /// sliding window still covers. A fixed window would let a flood timed across its boundary through twice.
    /// </summary>
    private double Hit(string key, double now, int seconds)
    {
        var index = (long)(now / seconds);
        var window = _windows.GetOrAdd(key, _ => new Window { Index = index });
        lock (window)
        {
            if (window.Index != index)
            {
                window.Previous = window.Index == index - 1 ? window.Count : 0;
                window.Index = index;
                window.Count = 0;
            }
            var elapsed = (now - index * (double)seconds) / seconds;
            return ++window.Count + window.Previous * (1 - elapsed);
        }
    }

    /// <summary>Drops windows that ended: a flood of distinct IPs must not grow memory without bound.</summary>
    private void Prune(long hour)
    {
        foreach (var (key, window) in _windows)
        {
            var stale = key[0] == 'h' ? window.Index < hour : window.Index < hour * 60;
            if (stale) _windows.TryRemove(key, out _);
        }
    }
}
