using System.Security.Cryptography;
using System.Text;

namespace SignaturePipeline.Email;

/// <summary>Stable names derived from an idempotency key, one per place that needs a different alphabet.</summary>
public static class EmailIdempotency
{
    /// <summary>
    /// ACS wants a UUID as Operation-Id. A hash of the key (with the RFC 9562 version-8 and variant bits set)
    /// gives the same UUID for every attempt of one email, and practically never the same for two emails.
    /// </summary>
    public static Guid OperationId(string idempotencyKey)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes("signaturepipeline-email\n" + idempotencyKey), hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>
    /// A file name for the pickup folder: the key made safe for every file system, plus a hash of the exact key,
    /// because "a:b" and "a_b" would otherwise share a name.
    /// </summary>
    public static string FileName(string idempotencyKey)
    {
        var safe = new StringBuilder(idempotencyKey.Length);
        foreach (var c in idempotencyKey)
            safe.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_');
        var readable = safe.Length > 80 ? safe.ToString(0, 80) : safe.ToString();
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)).AsSpan(0, 6));
        return $"{readable.Trim('.')}_{hash}.eml";
    }

    /// <summary>The Message-Id local part: every attempt of one email carries the same id, so a mail client can fold a duplicate.</summary>
    public static string MessageIdLocalPart(string idempotencyKey) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("message-id\n" + idempotencyKey)).AsSpan(0, 16));
}
