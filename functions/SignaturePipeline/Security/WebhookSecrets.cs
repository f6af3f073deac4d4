using System.Security.Cryptography;
using System.Text;

namespace SignaturePipeline.Security;

/// <summary>
/// Seals webhook secrets and header values (an <c>OSDI-API-Token</c> is a key to the organizer's whole list) with AES-GCM
/// under a key derived from <c>Pipeline__SecretKey</c>: a copy of the table, a backup or a log of its rows holds no usable
/// secret. Sealed text: <c>v1.</c> + Base64 of nonce, tag and ciphertext.
/// </summary>
public sealed class WebhookSecrets(Hmac hmac)
{
    private const string Version = "v1.";
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private static readonly byte[] Purpose = Encoding.UTF8.GetBytes("webhook-secret");
    private readonly byte[] _key = hmac.PurposeKey("SignaturePipeline webhook-secrets v1");

    public string Seal(string plaintext)
    {
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[NonceBytes + TagBytes + plain.Length];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceBytes + TagBytes), sealedBytes.AsSpan(NonceBytes, TagBytes), Purpose);
        return Version + Convert.ToBase64String(sealedBytes);
    }

    public string Open(string sealedText)
    {
        if (!sealedText.StartsWith(Version, StringComparison.Ordinal)) throw new CryptographicException("Not a sealed webhook secret.");
        var bytes = Convert.FromBase64String(sealedText[Version.Length..]);
        var plain = new byte[bytes.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(_key, TagBytes);
        aes.Decrypt(bytes.AsSpan(0, NonceBytes), bytes.AsSpan(NonceBytes + TagBytes), bytes.AsSpan(NonceBytes, TagBytes), plain, Purpose);
        return Encoding.UTF8.GetString(plain);
    }
}
