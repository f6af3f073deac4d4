using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace SignaturePipeline.Security;

/// <summary>
/// Keyed hashes. PII never appears in a table key in clear, and a plain SHA-256 of an email can be
/// reversed by hashing a list of addresses; an HMAC under a secret key cannot.
/// </summary>
public sealed class Hmac(IOptions<PipelineOptions> options)
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes(options.Value.SecretKey);

    public byte[] Compute(string purpose, string value)
    {
        var input = Encoding.UTF8.GetBytes(purpose + "\n" + value);
        return HMACSHA256.HashData(_key, input);
    }

    /// <summary>Lower-case hex of the first <paramref name="bytes"/> bytes of the HMAC.</summary>
    public string Hex(string purpose, string value, int bytes = 32) =>
        Convert.ToHexStringLower(Compute(purpose, value).AsSpan(0, bytes));

    public static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
