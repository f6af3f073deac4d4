using System.Globalization;
using System.Text.Json.Nodes;
using SignaturePipeline.Petitions;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Webhooks;

/// <summary>
/// What a webhook receives. <see cref="Signature"/> is the one place that decides what a signature looks like to a
/// webhook, in both formats: what goes out and what never does (an email the signer did not opt in to share).
/// </summary>
public static class WebhookPayloads
{
    public const string OriginSystem = "SignaturePipeline";

    /// <summary>
    /// A counted signature. <c>osdi</c>: an OSDI signature with its person, the body an OSDI record-signature-helper accepts
    /// (<c>person</c> with <c>given_name</c>, <c>family_name</c>, <c>email_addresses</c> only when the signer opted in,
    /// <c>postal_addresses</c>; <c>comments</c>, <c>action_date</c>, <c>identifiers</c>, <c>referrer_data</c>). <c>json</c>:
    /// our own fields. A private signer (counted, but not named) goes out without name, city or comment, and says so.
    /// </summary>
    public static JsonObject Signature(string format, string signatureId, IndexedSigner signer, SignerRef? reference)
    {
        var signedAt = Iso(signer.SignedAt);
        var optedInEmail = reference?.Email;
        var sources = reference?.Sources;
        if (format == WebhookFormats.Osdi)
        {
            var address = new JsonObject { ["postal_code"] = signer.PostalCode, ["region"] = signer.State, ["country"] = "US" };
            if (signer.City.Length > 0) address["locality"] = signer.City;
            var person = new JsonObject { ["postal_addresses"] = new JsonArray(address) };
            if (!signer.Private)
            {
                person["given_name"] = signer.FirstName;
                person["family_name"] = signer.LastName;
            }
            if (optedInEmail is not null) person["email_addresses"] = new JsonArray(new JsonObject { ["address"] = optedInEmail, ["primary"] = true });
            var osdi = new JsonObject
            {
                ["identifiers"] = new JsonArray(OsdiIdentifier(signatureId)),
                ["origin_system"] = OriginSystem,
                ["action_date"] = signedAt,
                ["person"] = person,
            };
            if (signer.Comment.Length > 0) osdi["comments"] = signer.Comment;
            if (signer.Private) osdi["private"] = true;
            if (sources is not null)
            {
                var referrer = new JsonObject();
                if (sources.Source is { } source) referrer["source"] = source;
                if (sources.Referrer is { } code) referrer["referrer"] = code;
                osdi["referrer_data"] = referrer;
            }
            return osdi;
        }
        var json = new JsonObject
        {
            ["signatureId"] = signatureId,
            ["firstName"] = signer.Private ? null : signer.FirstName,
            ["lastName"] = signer.Private ? null : signer.LastName,
            ["city"] = signer.City.Length > 0 ? signer.City : null,
            ["state"] = signer.State,
            ["postalCode"] = signer.PostalCode,
            ["country"] = "US",
            ["comment"] = signer.Comment.Length > 0 ? signer.Comment : null,
            ["signedAt"] = signedAt,
            ["optIn"] = optedInEmail is not null,
            ["private"] = signer.Private,
            ["source"] = sources?.Source,
            ["referrer"] = sources?.Referrer,
        };
        if (optedInEmail is not null) json["email"] = optedInEmail;
        return json;
    }

    /// <summary>A removed signature: only its id, in both formats, so the organizer's copy can find and drop it.</summary>
    public static JsonObject Removed(string format, string signatureId, DateTimeOffset removedAt) => format == WebhookFormats.Osdi
        ? new JsonObject { ["identifiers"] = new JsonArray(OsdiIdentifier(signatureId)), ["origin_system"] = OriginSystem, ["removed_date"] = Iso(removedAt) }
        : new JsonObject { ["signatureId"] = signatureId, ["removedAt"] = Iso(removedAt) };

    /// <summary>
    /// The body of one event. A counted signature in <c>osdi</c> format is the OSDI signature itself, so a
    /// record-signature-helper URL can take it as is; every other event comes in the envelope
    /// <c>{id, event, occurredAt, petitionId, data}</c>.
    /// </summary>
    public static JsonObject Body(string format, string deliveryId, string kind, DateTimeOffset occurredAt, string petitionId, JsonObject data)
    {
        if (format == WebhookFormats.Osdi && kind == WebhookEvents.SignatureCounted) return data;
        return new JsonObject
        {
            ["id"] = deliveryId,
            ["event"] = kind,
            ["occurredAt"] = Iso(occurredAt),
            ["petitionId"] = petitionId,
            ["data"] = data,
        };
    }

    private static string OsdiIdentifier(string signatureId) => "signaturepipeline:" + signatureId;

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
