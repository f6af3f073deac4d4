using System.Text;

namespace SignaturePipeline.Security;

/// <summary>
/// A signer's referral code, which their share links carry as <c>ref=</c>: 16 characters of lower-case base32, derived
/// from the signature's receipt id under a key of its own (<see cref="Hmac.ReferralHash"/>). It says nothing about the
/// signer (no name, no address, not even when they signed), cannot be guessed from the receipt without the key, and is
/// known the moment intake accepts the signature, so the 202 answer and the thank-you page can offer it. The last four
/// characters are a tag over the first twelve, so a code this deployment never issued is told apart without a lookup
/// and is never counted.
/// </summary>
public sealed class ReferralCodes(Hmac hmac)
{
    public const int Length = 16;
    private const int IdLength = 12;
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>The referral code of the signature with this receipt.</summary>
    public string Of(string receiptId)
    {
        var id = Base32(hmac.ReferralHash("referral", receiptId))[..IdLength];
        return id + TagOf(id);
    }

    /// <summary>Whether the code has the shape of a referral code (a form may send it; only <see cref="IsIssued"/> says it is ours).</summary>
    public static bool IsWellFormed(string? code) =>
        code is { Length: Length } && code.All(c => c is >= 'a' and <= 'z' or >= '2' and <= '7');

    /// <summary>Whether this deployment issued the code: its tag checks.</summary>
    public bool IsIssued(string? code) =>
        IsWellFormed(code) && Hmac.FixedTimeEquals(code![IdLength..], TagOf(code[..IdLength]));

    private string TagOf(string id) => Base32(hmac.ReferralHash("referral-tag", id))[..(Length - IdLength)];

    private static string Base32(byte[] bytes)
    {
        var text = new StringBuilder(bytes.Length * 8 / 5 + 1);
        int buffer = 0, bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                text.Append(Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        return text.ToString();
    }
}
