using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;

namespace SignaturePipeline.Signatures;

/// <summary>
/// A counted signer as a delivery shows them: what a petition's target may see, and nothing else. No email address,
/// no receipt, no opt-in: the index row that holds these is the only thing a delivery reads, so none can leak into one.
/// Values are the stored, normalized ones; a missing city or comment is the empty string.
/// <para>A signer who asked not to be named (<see cref="Private"/>) is listed with state, ZIP and signing time only: the
/// index never holds their name, city or comment, so no delivery can put them in a file or an email. They still count in
/// the totals and in the state and ZIP-area tables.</para>
/// </summary>
public sealed record IndexedSigner(string FirstName, string LastName, string City, string State, string PostalCode, string Comment, DateTimeOffset SignedAt)
{
    public bool Private { get; init; }

    /// <summary>A private signer as the index lists them: no name, no city, no comment.</summary>
    public static IndexedSigner Unnamed(string state, string postalCode, DateTimeOffset signedAt) =>
        new("", "", "", state, postalCode, "", signedAt.ToUniversalTime()) { Private = true };

    /// <summary>The 8th element of a private signer's array in the index row's JSON.</summary>
    private const string PrivateMark = "private";

    public const string CountedAtProperty = "CountedAt";
    public const string CountProperty = "Count";
    public const string TallyProperty = "Tally";
    /// <summary><c>Signers</c>, then <c>Signers1</c>, <c>Signers2</c>, …: one JSON text cut into pieces a table string property can hold.</summary>
    public const string SignersProperty = "Signers";
    /// <summary>
    /// <c>Refs</c>: per signer, in the same order, [signature row key, email if the signer opted in (else null), source, referrer], trailing nulls left off. Read only by
    /// webhooks (which need a stable signature id and the email an opted-in signer agreed to share), never by a delivery.
    /// </summary>
    public const string RefsProperty = "Refs";

    /// <summary>Every column refs may take: 97 refs of at most ~400 characters each fit in three 30,000-character pieces.</summary>
    public static readonly string[] RefsProperties = [RefsProperty, RefsProperty + "1", RefsProperty + "2"];

    // Azure caps a string property at 64 KiB (32K UTF-16 code units); an index row of 98 signers with long comments needs several.
    private const int MaxChunkChars = 30_000;

    public static IndexedSigner From(ValidSignature s, DateTimeOffset signedAt) => s.Private
        ? Unnamed(s.State, s.PostalCode, signedAt)
        : new(s.FirstName, s.LastName, s.City ?? "", s.State, s.PostalCode, s.Comment ?? "", signedAt.ToUniversalTime());

    /// <summary>The first three digits of the ZIP code: the USPS sectional centre, a region a governor's office recognizes.</summary>
    public string Zip3 => PostalCode.Length >= 3 ? PostalCode[..3] : PostalCode;

    internal static TableEntity ToIndexEntity(string partitionKey, string rowKey, DateTimeOffset countedAt, IEnumerable<IndexedSigner> signers,
        IReadOnlyList<SignerRef>? refs = null)
    {
        var list = signers.ToList();
        var entity = new TableEntity(partitionKey, rowKey)
        {
            [CountedAtProperty] = countedAt,
            [CountProperty] = list.Count,
            [TallyProperty] = Tally(list),
        };
        // Refs may be long too (97 emails of up to 254 characters, with sources), so they are cut like the signers.
        if (refs is { Count: > 0 }) WriteChunked(entity, RefsProperty, JsonSerializer.Serialize(refs.Select(r => r.ToArray())));
        WriteChunked(entity, SignersProperty, Serialize(list));
        return entity;
    }

    /// <summary>A string property may hold 64 KiB (32 K UTF-16 characters): longer text goes on in <c>{name}1</c>, <c>{name}2</c>, ….</summary>
    private static void WriteChunked(TableEntity entity, string name, string json)
    {
        for (int start = 0, chunk = 0; start < json.Length; chunk++)
        {
            var length = Math.Min(MaxChunkChars, json.Length - start);
            // Never cut between the halves of a surrogate pair: each piece must be a valid string on its own.
            if (start + length < json.Length && char.IsHighSurrogate(json[start + length - 1])) length--;
            entity[chunk == 0 ? name : name + chunk.ToString(CultureInfo.InvariantCulture)] = json.Substring(start, length);
            start += length;
        }
    }

    private static string? ReadChunked(TableEntity entity, string name)
    {
        if (entity.GetString(name) is not { } first) return null;
        var json = new StringBuilder(first);
        for (var chunk = 1; entity.GetString(name + chunk.ToString(CultureInfo.InvariantCulture)) is { } more; chunk++) json.Append(more);
        return json.ToString();
    }

    /// <summary>
    /// <c>{state}{zip3}={count}</c> per group, joined by <c>;</c>, in ordinal order: e.g. <c>CA941=2;NY100=3</c>; a group with
    /// private signers adds how many after a slash (<c>NY100=3/1</c>: three, one of whom asked not to be named). Lets a delivery
    /// count its signers, by state or by ZIP3, from a few hundred bytes per row before it reads a single name.
    /// </summary>
    private static string Tally(IEnumerable<IndexedSigner> signers) => string.Join(';',
        signers.GroupBy(s => s.State + s.Zip3, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key + "=" + g.Count().ToString(CultureInfo.InvariantCulture)
                + (g.Count(s => s.Private) is > 0 and var unnamed ? "/" + unnamed.ToString(CultureInfo.InvariantCulture) : "")));

    /// <summary>The tally of an index row: (state, ZIP3, count, of whom private) per group.</summary>
    public static IEnumerable<(string State, string Zip3, int Count, int Unnamed)> ReadTally(TableEntity indexRow)
    {
        var tally = indexRow.GetString(TallyProperty);
        if (string.IsNullOrEmpty(tally)) yield break;
        foreach (var part in tally.Split(';'))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq < 2) continue;
            var key = part[..eq];
            var counts = part.AsSpan(eq + 1);
            var slash = counts.IndexOf('/');
            yield return slash < 0
                ? (key[..2], key[2..], int.Parse(counts, CultureInfo.InvariantCulture), 0)
                : (key[..2], key[2..], int.Parse(counts[..slash], CultureInfo.InvariantCulture), int.Parse(counts[(slash + 1)..], CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The signers of an index row, in the order they were committed.</summary>
    public static IReadOnlyList<IndexedSigner> ReadSigners(TableEntity indexRow)
    {
        var rows = JsonSerializer.Deserialize<string?[][]>(ReadChunked(indexRow, SignersProperty) ?? "[]") ?? [];
        var list = new List<IndexedSigner>(rows.Length);
        foreach (var r in rows)
        {
            if (r.Length < 7) throw new FormatException($"Index row {indexRow.RowKey} holds a signer with {r.Length} fields.");
            list.Add(new IndexedSigner(r[0] ?? "", r[1] ?? "", r[2] ?? "", r[3] ?? "", r[4] ?? "", r[5] ?? "",
                DateTimeOffset.Parse(r[6] ?? "", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal))
            {
                Private = r.Length > 7 && r[7] == PrivateMark,
            });
        }
        return list;
    }

    /// <summary>The row keys (and opted-in emails) of an index row's signers, in commit order; empty for rows written before they were kept.</summary>
    public static IReadOnlyList<SignerRef> ReadRefs(TableEntity indexRow) =>
        ReadChunked(indexRow, RefsProperty) is { Length: > 0 } json
            ? (JsonSerializer.Deserialize<string?[][]>(json) ?? []).Select(SignerRef.FromArray).ToList()
            : [];

    /// <summary>An array per signer: [first, last, city, state, ZIP, comment, signed at (ISO 8601, UTC)], and "private" after them for a private signer (whose name, city and comment are empty).</summary>
    private static string Serialize(List<IndexedSigner> signers)
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping keeps accents and CJK as themselves: escaped as \uXXXX, a row of long non-Latin comments would
        // grow sixfold and could pass the 1 MiB entity limit. The text is only ever parsed back, never put into HTML.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartArray();
            foreach (var s in signers)
            {
                json.WriteStartArray();
                json.WriteStringValue(s.FirstName);
                json.WriteStringValue(s.LastName);
                json.WriteStringValue(s.City);
                json.WriteStringValue(s.State);
                json.WriteStringValue(s.PostalCode);
                json.WriteStringValue(s.Comment);
                json.WriteStringValue(s.SignedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
                if (s.Private) json.WriteStringValue(PrivateMark);
                json.WriteEndArray();
            }
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}

/// <summary>
/// Which signature row an index row's signer is, their email when they opted in to share it, and where the signature
/// came from (what a webhook passes on as OSDI <c>referrer_data</c>).
/// </summary>
public sealed record SignerRef(string RowKey, string? Email, SignatureSources? Sources = null)
{
    /// <summary>The signer of a row, as an index row keeps them.</summary>
    public static SignerRef Of(string rowKey, ValidSignature s) => new(rowKey, s.OptIn ? s.Email : null, s.Sources);

    /// <summary>[row key, email, source, referrer], trailing nulls left off: most signatures carry no source.</summary>
    internal string?[] ToArray()
    {
        string?[] all = [RowKey, Email, Sources?.Source, Sources?.Referrer];
        var length = all.Length;
        while (length > 2 && all[length - 1] is null) length--;
        return all[..length];
    }

    internal static SignerRef FromArray(string?[] r)
    {
        string? At(int i) => r.Length > i ? r[i] : null;
        var sources = At(2) is null && At(3) is null ? null : new SignatureSources { Source = At(2), Referrer = At(3) };
        return new(At(0) ?? "", At(1), sources);
    }
}
