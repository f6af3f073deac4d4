using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace SignaturePipeline.Security;

/// <summary>
/// Keyed hashes, one key per purpose, all from <c>Pipeline__SecretKey</c>. PII never appears in a table key in clear,
/// and a plain SHA-256 of an email can be reversed by hashing a list of addresses; an HMAC under a secret key cannot.
/// <list type="bullet">
/// <item>Signature row keys (de-duplication): HMAC-SHA256 under the secret itself, with the label <c>signature</c>, exactly
/// as before keys were split by purpose. Stored rows are found by this key: any other derivation would make every
/// returning signer look new, so it never changes (a test pins a known value).</item>
/// <item>IP hashes: a key derived with HKDF-SHA256 (label <c>SignaturePipeline ip-hash v1</c>). Stable too: organizers
/// group held signatures by it.</item>
/// <item>Link tokens and receipt tags: a key derived with HKDF-SHA256 (label <c>SignaturePipeline link-tokens v{N}</c>,
/// N = <c>Pipeline__TokenKeyVersion</c>), so it can be rotated without touching stored data. New tokens always use
/// version N; version N-1 is still accepted until <c>Pipeline__PreviousTokenKeyUntil</c>, so links in emails already
/// sent keep working for the window. Version 0 is the single secret used before keys were split by purpose.</item>
/// <item>Other keys of stored rows (a signer's daily email quota, a replacement's details): a key derived with
/// HKDF-SHA256 (label <c>SignaturePipeline record-keys v1</c>), stable for the life of the data like the IP key.</item>
/// <item>Referral codes (<see cref="ReferralCodes"/>): a key derived with HKDF-SHA256 (label <c>SignaturePipeline
/// referral-codes v1</c>), stable: shared links carry the codes for as long as people pass them on.</item>
/// </list>
/// </summary>
public sealed class Hmac
{
    private readonly byte[] _secret;
    private readonly byte[] _ipKey;
    private readonly byte[] _recordKey;
    private readonly byte[] _referralKey;
    private readonly byte[] _tokenKey;
    private readonly byte[] _previousTokenKey;
    private readonly DateTimeOffset? _previousUntil;
    private readonly bool _previousAlways;
    private readonly TimeProvider _clock;

    public Hmac(IOptions<PipelineOptions> options, TimeProvider clock)
    {
        var o = options.Value;
        _secret = Encoding.UTF8.GetBytes(o.SecretKey);
        _ipKey = Derive(_secret, "SignaturePipeline ip-hash v1");
        _recordKey = Derive(_secret, "SignaturePipeline record-keys v1");
        _referralKey = Derive(_secret, "SignaturePipeline referral-codes v1");
        _tokenKey = TokenKey(_secret, o.TokenKeyVersion);
        _previousTokenKey = TokenKey(_secret, o.TokenKeyVersion - 1);
        _previousUntil = o.PreviousTokenKeyUntil;
        // The move from the single secret to version 1 rotates nothing secret: links already emailed stay valid
        // unless a window is set. Past version 1, a rotation is meant to retire the old key: only its window applies.
        _previousAlways = o.TokenKeyVersion == 1 && o.PreviousTokenKeyUntil is null;
        _clock = clock;
    }

    /// <summary>The de-duplication hash of a petition and a canonical email: today's derivation, fixed for the life of the data.</summary>
    public byte[] SignatureKey(string petitionId, string canonicalEmail) =>
        HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes("signature\n" + petitionId + "\n" + canonicalEmail));

    /// <summary>The keyed hash stored instead of an IP, as 32 hex digits.</summary>
    public string IpHash(string ip) => Hex(_ipKey, "ip", ip, 16);

    /// <summary>A stable keyed hash for <paramref name="purpose"/> that a stored row's key is made of, as hex.</summary>
    public string RecordHash(string purpose, string value, int bytes) => Hex(_recordKey, purpose, value, bytes);

    /// <summary>The keyed hash a referral code is made of (<see cref="ReferralCodes"/>).</summary>
    public byte[] ReferralHash(string purpose, string value) =>
        HMACSHA256.HashData(_referralKey, Encoding.UTF8.GetBytes(purpose + "\n" + value));

    /// <summary>The tag that signs a token or receipt body for <paramref name="purpose"/>, with the current token key.</summary>
    public string Tag(string purpose, string body, int bytes) => Hex(_tokenKey, purpose, body, bytes);

    /// <summary>Whether <paramref name="tag"/> signs the body: under the current token key, or the previous one within its window.</summary>
    public bool IsTag(string purpose, string body, int bytes, string tag)
    {
        if (FixedTimeEquals(tag, Hex(_tokenKey, purpose, body, bytes))) return true;
        var previousAccepted = _previousAlways || _previousUntil is { } until && _clock.GetUtcNow() < until;
        return previousAccepted && FixedTimeEquals(tag, Hex(_previousTokenKey, purpose, body, bytes));
    }

    /// <summary>
    /// A 32-byte key for <paramref name="label"/>, derived from the secret with HKDF-SHA256: a purpose of its own (sealing
    /// webhook secrets at rest) never shares a key with hashes or tokens.
    /// </summary>
    public byte[] PurposeKey(string label) => Derive(_secret, label);

    public static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    private static byte[] TokenKey(byte[] secret, int version) =>
        version <= 0 ? secret : Derive(secret, $"SignaturePipeline link-tokens v{version}");

    private static byte[] Derive(byte[] secret, string label) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, salt: [], info: Encoding.UTF8.GetBytes(label));

    private static string Hex(byte[] key, string purpose, string value, int bytes) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(purpose + "\n" + value)).AsSpan(0, bytes));
}
