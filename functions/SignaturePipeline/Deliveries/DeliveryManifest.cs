using System.Text.Json;
using System.Text.Json.Serialization;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Deliveries;

public sealed record ManifestTarget(string Id, string Kind, string Name, string? State)
{
    /// <summary>"none" for a target that receives the totals and no names; absent for the default, every signer who agreed to be named.</summary>
    public string? Names { get; init; }
}

public sealed record ManifestFile(string Name, string Path, long Bytes, string Sha256);

/// <summary>
/// <c>manifest.json</c>: what was delivered, stored beside the files and in the delivery record, so anyone can later show
/// that a list is the one delivered: recompute <see cref="SignersSha256"/> from <c>signers.csv</c> (the canonical form is
/// <see cref="Canonicalization"/>, defined in <see cref="SignerList"/>), and each file's SHA-256 from its bytes.
/// </summary>
public sealed record DeliveryManifest(
    string Schema,
    string PetitionId,
    string PetitionTitle,
    ManifestTarget Target,
    string Week,
    long Count,
    long CumulativeCount,
    DateTimeOffset CountedFrom,
    DateTimeOffset CountedTo,
    DateTimeOffset? FirstSignedAt,
    DateTimeOffset? LastSignedAt,
    string SignersSha256,
    string Canonicalization,
    IReadOnlyList<ManifestFile> Files,
    DateTimeOffset RecordedAt)
{
    public const string CurrentSchema = "signaturepipeline.delivery/1";

    /// <summary>
    /// Signers of <see cref="Count"/> erased after the delivery was recorded, whom the files no longer list; absent when none.
    /// The hashes are of the files as they are now: what was emailed before an erasure cannot be recalled.
    /// </summary>
    public long? Erased { get; init; }

    /// <summary>
    /// Signers of <see cref="Count"/> counted but not listed: they asked not to be named, or the target takes no names
    /// (<see cref="ManifestTarget.Names"/>). They are in the totals and in no file's list, so they have no record in the
    /// <c>signers-v1</c> hash, which stays the hash of exactly the rows of signers.csv; absent when none.
    /// </summary>
    public long? Unnamed { get; init; }

    public const string CanonicalizationV1 =
        "signers-v1: SHA-256 over one record per signer, in the order of signers.csv. A record is the fields first name, " +
        "last name, city, state, ZIP code, comment, signed at (each exactly as in signers.csv after CSV unquoting, less the one " +
        "apostrophe put before a value that starts with = + - @ | % ' tab or CR), each written as a netstring " +
        "'{length in UTF-8 bytes}:{UTF-8 bytes},', and the record ends with a line feed. Signers counted but not named " +
        "(see unnamed) are not in signers.csv and have no record.";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // A file for people and scripts, never embedded in HTML: keep '+', quotes and accents readable.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string Serialize() => JsonSerializer.Serialize(this, Json);

    public static DeliveryManifest? Parse(string? json) => string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize<DeliveryManifest>(json, Json);
}

/// <summary>A signer's comment for the delivery email: first name, last initial and town; never an address.</summary>
public sealed record DeliveryHighlight(string Name, string Place, string Comment)
{
    public const int MaxComment = 280;

    public static DeliveryHighlight From(IndexedSigner s)
    {
        var initial = s.LastName.Length > 0 ? " " + char.ConvertFromUtf32(char.ConvertToUtf32(s.LastName, 0)) + "." : "";
        var place = string.IsNullOrEmpty(s.City) ? s.State : $"{s.City}, {s.State}";
        var comment = s.Comment.Length <= MaxComment ? s.Comment
            : s.Comment[..(char.IsHighSurrogate(s.Comment[MaxComment - 1]) ? MaxComment - 1 : MaxComment)].TrimEnd() + "…";
        return new DeliveryHighlight(s.FirstName + initial, place, comment);
    }
}
