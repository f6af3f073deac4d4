using System.Globalization;
using SignaturePipeline.Petitions;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Confirmation;

public enum TokenPurpose { Confirm, Remove, Unsubscribe }

public enum TokenCheck { Valid, Expired, Invalid }

/// <summary>
/// A signed, expiring link token: <c>{petition}.{shard}.{row hash}.{expiry unix seconds}.{tag}</c>. It names the
/// signature row itself, so checking it needs no table scan, only the HMAC (keyed by the rotatable token key that
/// <see cref="Hmac"/> derives from <c>Pipeline__SecretKey</c>, under a purpose string of its own, so a confirmation token can never be replayed as a removal token, nor a
/// receipt id as either). Every character is URL-safe. A replacement row (<c>r_…</c>, see
/// <c>SignatureStore.Replacements.cs</c>) is named as <c>r{hash}-{details hash}</c>: an <c>r</c> is never a hex digit, and
/// the token keeps to letters, digits, dots and dashes.
/// </summary>
public sealed record SignerToken(string PetitionId, int Shard, string RowKey, DateTimeOffset Expires)
{
    private const int TagBytes = 16;

    private static string PurposeOf(TokenPurpose purpose) => purpose switch
    {
        TokenPurpose.Confirm => "token-confirm",
        TokenPurpose.Remove => "token-remove",
        _ => "token-unsubscribe",
    };

    public string Create(Hmac hmac, TokenPurpose purpose)
    {
        var row = SignatureStore.IsReplacementKey(RowKey) ? "r" + RowKey[SignatureStore.ReplacementRowPrefix.Length..].Replace('_', '-') : RowKey[SignatureStore.SignatureRowPrefix.Length..];
        var body = string.Join('.', PetitionId, Shard.ToString(CultureInfo.InvariantCulture), row,
            Expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        return body + "." + hmac.Tag(PurposeOf(purpose), body, TagBytes);
    }

    /// <summary>Checks the tag first (constant time), then the expiry: an expired token is still known to be ours.</summary>
    public static TokenCheck TryRead(Hmac hmac, TokenPurpose purpose, string? token, DateTimeOffset now, out SignerToken? read)
    {
        read = null;
        if (token is null || token.Length > 300) return TokenCheck.Invalid;
        var parts = token.Split('.');
        if (parts.Length != 5) return TokenCheck.Invalid;
        var body = token[..token.LastIndexOf('.')];
        if (!hmac.IsTag(PurposeOf(purpose), body, TagBytes, parts[4])) return TokenCheck.Invalid;
        if (!PetitionIds.IsValid(parts[0]) || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var shard)
            || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var unix) || unix > 253402300799)
            return TokenCheck.Invalid;
        var rowKey = parts[2].StartsWith('r') ? SignatureStore.ReplacementRowPrefix + parts[2][1..].Replace('-', '_') : SignatureStore.SignatureRowPrefix + parts[2];
        read = new SignerToken(parts[0], shard, rowKey, DateTimeOffset.FromUnixTimeSeconds(unix));
        return read.Expires < now ? TokenCheck.Expired : TokenCheck.Valid;
    }
}
