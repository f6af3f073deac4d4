using System.Text.Json.Serialization;

namespace SignaturePipeline.Petitions;

/// <summary>The events a webhook can ask for, as they appear in a definition and in <c>X-Signature-Event</c>.</summary>
public static class WebhookEvents
{
    public const string SignatureCounted = "signature.counted";
    public const string MilestoneReached = "milestone.reached";
    public const string DeliverySent = "delivery.sent";
    public const string UpdateSent = "update.sent";
    public const string SignatureRemoved = "signature.removed";

    public static readonly IReadOnlyList<string> All = [SignatureCounted, MilestoneReached, DeliverySent, UpdateSent, SignatureRemoved];
}

/// <summary>The body shapes a webhook can receive.</summary>
public static class WebhookFormats
{
    /// <summary>An OSDI signature with its person, as a record-signature-helper accepts it.</summary>
    public const string Osdi = "osdi";
    /// <summary>Our own envelope: <c>{id, event, occurredAt, petitionId, data}</c>.</summary>
    public const string Json = "json";

    public static readonly IReadOnlyList<string> All = [Osdi, Json];
}

/// <summary>
/// A petition's webhook, as stored. The secret and the header values are sealed (<see cref="WebhookSecrets"/>) and never
/// serialized into an answer: a GET shows <see cref="HasSecret"/> and the header names only.
/// </summary>
public sealed record Webhook
{
    /// <summary>Stable while the URL stays: cursors, delivery ids and failures are keyed by it.</summary>
    public required string Id { get; init; }
    public required string Url { get; init; }
    public required IReadOnlyList<string> Events { get; init; }
    public required string Format { get; init; }
    public bool Batch { get; init; }

    /// <summary>Signatures counted from this moment on are sent: a new webhook is not flooded with the petition's past.</summary>
    public DateTimeOffset Since { get; init; }

    [JsonIgnore] public string SealedSecret { get; init; } = "";
    [JsonIgnore] public IReadOnlyDictionary<string, string> SealedHeaders { get; init; } = new Dictionary<string, string>();

    public bool HasSecret => SealedSecret.Length > 0;
    public IReadOnlyList<string> HeaderNames => [.. SealedHeaders.Keys.Order(StringComparer.OrdinalIgnoreCase)];

    public bool Wants(string eventKind) => Events.Contains(eventKind, StringComparer.Ordinal);
}
