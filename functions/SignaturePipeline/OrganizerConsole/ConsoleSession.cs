using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using SignaturePipeline.Security;

namespace SignaturePipeline.OrganizerConsole;

/// <summary>
/// Who uses the console: an organizer (known only by the keyed hash of their address, <see cref="Petitions.PetitionStore.OrganizerKey"/>)
/// or the operator, who holds the admin key and sees every petition. <see cref="Id"/> is random per sign-in and keys the CSRF token.
/// </summary>
public sealed record ConsoleSession(bool IsOperator, string? OrganizerKey, string Id, DateTimeOffset ExpiresAt);

/// <summary>
/// The console's signed tokens, all under the link-token key (<see cref="Hmac.Tag"/>), each with a purpose of its own so one
/// can never pass for another: the session cookie, the per-session CSRF token, and the emailed sign-in link. Stateless: a
/// session is its cookie, checked by its tag and its expiry; a link is used once because its use is recorded
/// (<see cref="ConsoleSignIn"/>).
/// </summary>
public sealed class ConsoleTokens(Hmac hmac, IOptions<ConsoleOptions> options, TimeProvider clock)
{
    private const int TagBytes = 16;

    public ConsoleSession NewSession(bool isOperator, string? organizerKey) =>
        new(isOperator, organizerKey, NewId(), clock.GetUtcNow().AddHours(options.Value.SessionHours));

    /// <summary><c>{o|a}.{organizer key or -}.{expiry, unix seconds}.{id}.{tag}</c>: no address in it, even hashed with a public hash.</summary>
    public string Encode(ConsoleSession session)
    {
        var body = string.Join('.', session.IsOperator ? "a" : "o", session.OrganizerKey ?? "-",
            session.ExpiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), session.Id);
        return body + "." + hmac.Tag("console-session", body, TagBytes);
    }

    public ConsoleSession? Decode(string? cookie)
    {
        var parts = cookie?.Split('.');
        if (parts is not { Length: 5 } || parts[0] is not ("a" or "o")) return null;
        var body = string.Join('.', parts[..4]);
        if (!hmac.IsTag("console-session", body, TagBytes, parts[4])) return null;
        if (!long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return null;
        var expires = DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (expires <= clock.GetUtcNow()) return null;
        var isOperator = parts[0] == "a";
        if (!isOperator && parts[1] == "-") return null;
        return new ConsoleSession(isOperator, isOperator ? null : parts[1], parts[3], expires);
    }

    /// <summary>The token every state-changing console request carries (header or form field): bound to the session.</summary>
    public string CsrfToken(ConsoleSession session) => hmac.Tag("console-csrf", session.Id, TagBytes);

    public bool IsCsrfToken(ConsoleSession session, string? token) =>
        !string.IsNullOrEmpty(token) && hmac.IsTag("console-csrf", session.Id, TagBytes, token);

    /// <summary>A sign-in link's token: <c>{organizer key}.{expiry}.{nonce}.{tag}</c>. The nonce is what its single use records.</summary>
    public string NewLinkToken(string organizerKey, out string nonce)
    {
        nonce = NewId();
        var expires = clock.GetUtcNow().AddMinutes(options.Value.SignInLinkMinutes).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var body = string.Join('.', organizerKey, expires, nonce);
        return body + "." + hmac.Tag("console-link", body, TagBytes);
    }

    /// <summary>The organizer key and nonce of a well-signed, unexpired link token; null otherwise.</summary>
    public (string OrganizerKey, string Nonce)? ReadLinkToken(string? token)
    {
        var parts = token?.Split('.');
        if (parts is not { Length: 4 }) return null;
        var body = string.Join('.', parts[..3]);
        if (!hmac.IsTag("console-link", body, TagBytes, parts[3])) return null;
        if (!long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return null;
        if (DateTimeOffset.FromUnixTimeSeconds(seconds) <= clock.GetUtcNow()) return null;
        return (parts[0], parts[2]);
    }

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
