using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using SignaturePipeline.Security;

namespace SignaturePipeline.Receipts;

/// <summary>
/// A receipt id names the queue message a signature travels in and its place there:
/// <c>{batch:32 hex}{index:3 hex}{tag:24 hex}</c>. Receipts of one message share a table partition
/// (the batch), so the processor writes them in one transaction, and a lookup is one point read.
/// The HMAC tag lets the receipt endpoint tell "still pending" from "never issued" without storage. It is 96 bits
/// because the batch and index are not secret (a version-7 GUID starts with the time, and one message's receipts
/// differ only in their index): the tag alone keeps a stranger from guessing a neighbour's receipt and learning
/// whether, or as which supporter, they signed.
/// </summary>
public readonly record struct ReceiptId(string Batch, int Index, string Value)
{
    public const int MaxIndex = 0xFFF;
    private const int TagLength = 24;
    public const int Length = 32 + 3 + TagLength;

    public static string NewBatch() => Guid.CreateVersion7().ToString("N");

    public static ReceiptId Create(Hmac hmac, string batch, int index)
    {
        var body = batch + index.ToString("x3", CultureInfo.InvariantCulture);
        return new ReceiptId(batch, index, body + hmac.Tag("receipt", body, TagLength / 2));
    }

    public static bool TryParse(Hmac hmac, string? value, [NotNullWhen(true)] out ReceiptId? id)
    {
        id = null;
        if (value is null || value.Length != Length || !value.All(char.IsAsciiHexDigitLower)) return false;
        var body = value[..^TagLength];
        if (!hmac.IsTag("receipt", body, TagLength / 2, value[^TagLength..])) return false;
        id = new ReceiptId(body[..32], int.Parse(body[32..], NumberStyles.HexNumber, CultureInfo.InvariantCulture), value);
        return true;
    }

    public override string ToString() => Value;
}
