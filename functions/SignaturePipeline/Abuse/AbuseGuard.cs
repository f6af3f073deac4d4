using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SignaturePipeline.Security;

namespace SignaturePipeline.Abuse;

/// <summary>Who sent a signature, as intake sees it. No HTTP types: the host fills it in.</summary>
public sealed record SignerContext(IPAddress? ClientIp, string? CaptchaResponse = null);

/// <summary>
/// Intake's rate limits, counted in memory over sliding one-minute and one-hour windows. Intake must stay fast, so there
/// is no table read per request; the price is that limits are per instance. Over a limit the signature is still accepted
/// (the same 202), only flagged: a bot learns nothing from the answer.
/// <para>
/// A source is an IPv4 address, or an IPv6 /64: one subscriber's whole allocation, whose 2^64 addresses are free to
/// rotate through. An IPv4-mapped IPv6 address is its IPv4 address. A network is a source's IPv4 /24 or IPv6 /48.
/// Per source and petition, <see cref="AbuseOptions.PerIpBurst"/> a minute and <see cref="AbuseOptions.PerIpPerHour"/>
/// an hour are let through.
/// </para>
/// <para>
/// Over <see cref="AbuseOptions.PerPetitionPerMinute"/>, a flood holds its own sources, not everyone: only a signature
/// from a heavy source is held, that is a source that already signed this petition in the last minute, or one whose
/// network sent it more than <see cref="AbuseOptions.PerIpBurst"/> in the last minute. Quiet sources, where real signers
/// are, still count while they alone stay within the limit. Past that, or with no IP at all, the flood cannot be told
/// apart from its signers and the rest is held, as a petition-wide limit would.
/// </para>
/// <para>
/// Memory is fixed whatever arrives (see <see cref="RateWindow"/>), and each request costs a few table probes under one
/// short lock: a flood of distinct addresses is exactly what this must survive.
/// </para>
/// </summary>
public sealed class AbuseGuard(IOptions<AbuseOptions> options, Hmac hmac, TimeProvider clock, ILogger<AbuseGuard> logger)
{
    // 2^17 slots count ~98k keys a minute exactly (four kinds of key share them), 2^19 ~393k an hour: more distinct
    // sources than a viral hour brings one instance. The minute's sketch is four rows of 2^18 counters, wide enough
    // that after a million new addresses in one minute a newcomer is still under the default burst limit; the hour's
    // 2^16. Memory is fixed at about 25 MiB once both windows have rolled: two generations of each.
    private const int MinuteTableBits = 17, MinuteSketchBits = 18;
    private const int HourTableBits = 19, HourSketchBits = 16;

    private readonly Lock _gate = new();
    private readonly RateWindow _minute = new(TimeSpan.FromMinutes(1), MinuteTableBits, MinuteSketchBits);
    private readonly RateWindow _hour = new(TimeSpan.FromHours(1), HourTableBits, HourSketchBits);

    // Kinds of counter, hashed into every key so that they never share one.
    private const byte PetitionAll = 1, PetitionQuiet = 2, SourceMinute = 3, SourceHour = 4, NetworkMinute = 5;

    /// <summary>The keyed hash stored instead of an IP: organizers can group and invalidate by it, nobody can read the IP back.</summary>
    public string? IpHash(IPAddress? ip) => ip is null ? null : hmac.IpHash(ip.ToString());

    /// <summary>Counts this signature and returns why it must be held, or null.</summary>
    public string? Check(string petitionId, IPAddress? ip)
    {
        var o = options.Value;
        if (ip is not null && o.LoopbackExempt && IPAddress.IsLoopback(ip)) return null;
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();

        Span<byte> source = stackalloc byte[9];
        Span<byte> network = stackalloc byte[7];
        var known = ip is not null && TrySource(ip, ref source, ref network);

        var petitionKey = Key(PetitionAll, petitionId, []);
        ulong quietKey = 0, sourceMinuteKey = 0, sourceHourKey = 0, networkKey = 0;
        if (known)
        {
            quietKey = Key(PetitionQuiet, petitionId, []);
            sourceMinuteKey = Key(SourceMinute, petitionId, source);
            sourceHourKey = Key(SourceHour, petitionId, source);
            networkKey = Key(NetworkMinute, petitionId, network);
        }

        string? flag = null;
        bool minuteFull, hourFull;
        lock (_gate)
        {
            // Every counter is counted even when an earlier one already decided, so a flood stays over its limits.
            var petition = _minute.Hit(petitionKey, now);
            if (known)
            {
                var sourceMinute = _minute.Hit(sourceMinuteKey, now);
                var networkMinute = _minute.Hit(networkKey, now);
                var sourceHour = _hour.Hit(sourceHourKey, now);
                var heavy = sourceMinute > 1 || networkMinute > o.PerIpBurst;
                var quietOver = !heavy && _minute.Hit(quietKey, now) > o.PerPetitionPerMinute;
                if (petition > o.PerPetitionPerMinute && (heavy || quietOver)) flag = AbuseFlags.PetitionRate;
                if (sourceHour > o.PerIpPerHour) flag = AbuseFlags.IpHourly;
                if (sourceMinute > o.PerIpBurst) flag = AbuseFlags.IpBurst;
            }
            else if (petition > o.PerPetitionPerMinute) flag = AbuseFlags.PetitionRate;

            minuteFull = _minute.Overflowed;
            hourFull = _hour.Overflowed;
            _minute.Overflowed = _hour.Overflowed = false;
        }
        if (minuteFull) LogFull("minute", _minute.Capacity);
        if (hourFull) LogFull("hour", _hour.Capacity);
        return flag;
    }

    private void LogFull(string window, int capacity) =>
        logger.LogWarning("Rate limits: over {Capacity} distinct keys this {Window}; the rest are counted approximately and some quiet sources may be held",
            capacity, window);

    /// <summary>Writes the source (IPv4 address or IPv6 /64) and network (IPv4 /24 or IPv6 /48), each behind a family byte.</summary>
    private static bool TrySource(IPAddress ip, ref Span<byte> source, ref Span<byte> network)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!ip.TryWriteBytes(bytes, out var written)) return false;
        if (written == 16 && bytes[..10].IndexOfAnyExcept((byte)0) < 0 && bytes[10] == 0xff && bytes[11] == 0xff)
        {
            bytes[12..16].CopyTo(bytes);
            written = 4;
        }
        if (written == 4)
        {
            source[0] = network[0] = (byte)AddressFamily.InterNetwork;
            bytes[..4].CopyTo(source[1..]);
            bytes[..3].CopyTo(network[1..]);
            source = source[..5];
            network = network[..4];
        }
        else
        {
            source[0] = network[0] = (byte)AddressFamily.InterNetworkV6;
            bytes[..8].CopyTo(source[1..]);
            bytes[..6].CopyTo(network[1..]);
        }
        return true;
    }

    /// <summary>
    /// A 64-bit key from two independently seeded hashes. <see cref="HashCode"/> is seeded at random per process, so
    /// nobody can choose addresses that collide; two distinct keys meet once in ~10^19, and zero marks an empty slot.
    /// </summary>
    private static ulong Key(byte kind, string petitionId, ReadOnlySpan<byte> source)
    {
        var chars = MemoryMarshal.AsBytes(petitionId.AsSpan());
        var high = new HashCode();
        var low = new HashCode();
        high.Add(kind);
        low.Add(kind + 0x100);
        high.AddBytes(chars);
        low.AddBytes(chars);
        high.Add(petitionId.Length);
        low.Add(petitionId.Length);
        high.AddBytes(source);
        low.AddBytes(source);
        var key = (ulong)(uint)high.ToHashCode() << 32 | (uint)low.ToHashCode();
        return key == 0 ? 1 : key;
    }
}
