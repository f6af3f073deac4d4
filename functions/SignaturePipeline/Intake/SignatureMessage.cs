using System.Text.Json;
using System.Text.Json.Serialization;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Intake;

/// <summary>
/// One queue message: every signature that intake accepted while the previous enqueue was in flight
/// (intake batching, see <see cref="SignatureEnqueuer"/>). Azurite and Azure Queues both pay per message, not per byte, so a spike of
/// thousands of signatures per second becomes tens of messages per second.
/// </summary>
public sealed record SignatureMessage(
    [property: JsonPropertyName("schema")] int Schema,
    [property: JsonPropertyName("items")] IReadOnlyList<QueuedSignature> Items)
{
    /// <summary>
    /// Bump when the shape changes incompatibly; the processor refuses (poisons) schemas it does not know. An optional
    /// field that older messages lack (such as <see cref="SignatureInput.Lang"/>, English when missing) is not a change.
    /// </summary>
    public const int CurrentSchema = 1;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string Serialize() => JsonSerializer.Serialize(this, Json);

    /// <summary>Throws <see cref="InvalidMessageException"/> for anything that retrying cannot fix.</summary>
    public static SignatureMessage Parse(string text)
    {
        // Intake never writes more than this; anything larger was not written by us and is not worth parsing.
        if (text.Length > SignatureEnqueuer.MaxMessageBytes)
            throw new InvalidMessageException("message_too_large", $"The message has {text.Length:N0} characters; intake writes at most {SignatureEnqueuer.MaxMessageBytes:N0}.");
        SignatureMessage? message;
        try { message = JsonSerializer.Deserialize<SignatureMessage>(text, Json); }
        catch (JsonException e) { throw new InvalidMessageException("malformed_message", $"The message is not valid JSON: {e.Message}"); }
        if (message is null) throw new InvalidMessageException("malformed_message", "The message is empty.");
        if (message.Schema != CurrentSchema)
            throw new InvalidMessageException("unknown_schema", $"Schema version {message.Schema} is not known to this processor (it reads {CurrentSchema}).");
        if (message.Items is null || message.Items.Count == 0 || message.Items.Any(i => i?.ReceiptId is null || i.PetitionId is null || i.Signature is null))
            throw new InvalidMessageException("malformed_message", "The message has no signatures, or a signature without its receipt, petition or fields.");
        return message;
    }
}

public sealed record QueuedSignature(
    [property: JsonPropertyName("receiptId")] string ReceiptId,
    [property: JsonPropertyName("petitionId")] string PetitionId,
    [property: JsonPropertyName("receivedAt")] DateTimeOffset ReceivedAt,
    [property: JsonPropertyName("signature")] SignatureInput Signature)
{
    /// <summary>Why intake held this signature out of the count (rate limit, honeypot, captcha); null for a clean one. Never shown to the signer.</summary>
    [JsonPropertyName("flag")]
    public string? Flag { get; init; }

    /// <summary>The keyed hash of the client's IP (never the IP), so organizers can invalidate by source.</summary>
    [JsonPropertyName("ipHash")]
    public string? IpHash { get; init; }
}

/// <summary>A message that no retry can process. It still goes through the normal retries, then to poison, with this reason recorded.</summary>
public sealed class InvalidMessageException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
