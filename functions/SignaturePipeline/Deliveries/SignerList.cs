using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CsvHelper;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Deliveries;

/// <summary>
/// The signer list as delivered: the CSV columns, their text, and the fingerprint the manifest carries.
/// <para><b>The canonical serialization (<c>signers-v1</c>) hashed into the manifest's <c>signersSha256</c>:</b>
/// SHA-256 over the concatenation, in delivery order, of one record per signer. A record is its seven fields, in this order:
/// first name, last name, city, state, ZIP code, comment, signed at; each written as a netstring — the field's length in
/// UTF-8 bytes in decimal ASCII, a colon, the UTF-8 bytes, a comma (<c>3:Ana,</c>) — and the record ends with one line feed
/// (0x0A). Values are exactly the CSV's cells after CSV unquoting, minus the one apostrophe the CSV puts before any value
/// that starts with <c>= + - @ | % '</c>, a tab or a carriage return (see <see cref="Unescape"/>). "Signed at" is the CSV's
/// text: UTC, <c>yyyy-MM-ddTHH:mm:ssZ</c>. A missing city or comment is the empty field <c>0:,</c>.
/// Anyone can recompute it from <c>signers.csv</c> alone, in any language, and no value can be confused with a separator.</para>
/// <para>Signers who asked not to be named (and every signer of a target that takes no names) have no record: they are not in
/// <c>signers.csv</c>, so a record of them could not be recomputed, and a record of their state, ZIP and time alone would
/// put them back in a list. They are counted in the manifest's <c>count</c> and given as its <c>unnamed</c>; an empty list
/// hashes to the SHA-256 of no bytes.</para>
/// </summary>
public static class SignerList
{
    public static readonly string[] Header = ["First name", "Last name", "City", "State", "ZIP code", "Comment", "Signed (UTC)"];

    /// <summary>Characters that make a spreadsheet read a cell as a formula or a DDE command when they start it.</summary>
    public const string InjectionCharacters = "=+-@\t\r|%";

    /// <summary>
    /// RFC 4180 with CRLF and a byte-order mark (Excel then reads UTF-8, accents and all), and CsvHelper's injection
    /// escaping: a risky cell is quoted and prefixed with an apostrophe, which Excel, LibreOffice and Google Sheets show
    /// as text and never evaluate. CsvHelper refuses the apostrophe as an injection character, so <see cref="WriteRow"/>
    /// doubles a leading one itself: "drop one leading apostrophe" is then the exact inverse for every cell.
    /// </summary>
    public static CsvWriterOptions WriterOptions() => new()
    {
        NewLine = "\r\n",
        WriteByteOrderMark = true,
        Injection = CsvInjection.Escape,
        InjectionCharacters = InjectionCharacters,
        InjectionEscape = '\'',
    };

    /// <summary>How a reader (a test, an auditor's script) reads the file back.</summary>
    public static CsvReaderOptions ReaderOptions() => new() { HasHeader = true, AllowLineBreaksInQuotes = true };

    public static string SignedAtText(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string[] Fields(IndexedSigner s) => [s.FirstName, s.LastName, s.City, s.State, s.PostalCode, s.Comment, SignedAtText(s.SignedAt)];

    public static void WriteHeader(CsvWriter csv) => csv.WriteHeader(Header);

    public static void WriteRow(CsvWriter csv, IReadOnlyList<string> fields)
    {
        foreach (var field in fields) csv.WriteField(field.StartsWith('\'') ? "'" + field : field);
        csv.EndRecord();
    }

    /// <summary>A CSV cell's value: the apostrophe the writer put before a risky value removed.</summary>
    public static string Unescape(string cell) => cell.StartsWith('\'') ? cell[1..] : cell;

    /// <summary>Appends records in the <c>signers-v1</c> form to an incremental SHA-256.</summary>
    public sealed class Hasher : IDisposable
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private byte[] _buffer = new byte[4096];

        public long Count { get; private set; }

        public void Append(IReadOnlyList<string> fields)
        {
            var length = 1;
            foreach (var f in fields) length += 12 + Encoding.UTF8.GetMaxByteCount(f.Length);
            if (_buffer.Length < length) _buffer = new byte[Math.Max(length, _buffer.Length * 2)];
            var at = 0;
            foreach (var f in fields)
            {
                var bytes = Encoding.UTF8.GetByteCount(f);
                bytes.TryFormat(_buffer.AsSpan(at), out var digits, provider: CultureInfo.InvariantCulture);
                at += digits;
                _buffer[at++] = (byte)':';
                at += Encoding.UTF8.GetBytes(f, _buffer.AsSpan(at));
                _buffer[at++] = (byte)',';
            }
            _buffer[at++] = (byte)'\n';
            _hash.AppendData(_buffer, 0, at);
            Count++;
        }

        public string HexDigest() => Convert.ToHexStringLower(_hash.GetHashAndReset());

        public void Dispose() => _hash.Dispose();
    }
}
