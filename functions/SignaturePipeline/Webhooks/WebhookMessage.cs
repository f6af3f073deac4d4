using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace SignaturePipeline.Webhooks;

/// <summary>
/// One event for one webhook. A counted signature is carried by reference (<see cref="Shard"/>, <see cref="IndexRow"/>,
/// <see cref="RowKey"/>) and rendered from its index row when it is sent, so a queue message or a kept failure holds no
/// name or email, and a signer erased meanwhile is simply not sent. Other events carry their (non-personal) <see cref="Data"/>.
/// <see cref="Id"/> is the delivery id: the same on every retry, and a receiver's key for "already stored".
/// </summary>
public sealed record QueuedWebhookEvent(string Id, string Kind, DateTimeOffset OccurredAt)
{
    public int? Shard { get; init; }
    public string? IndexRow { get; init; }
    public string? RowKey { get; init; }
    /// <summary>The signer's place in an index row written before row keys were kept there.</summary>
    public int? Position { get; init; }
    public JsonObject? Data { get; init; }
}

/// <summary>
/// The <c>webhooks</c> queue message: events for one webhook of one petition, and how far their delivery got.
/// <see cref="FirstAttemptAt"/> starts the retry window; <see cref="Attempt"/> counts sends that failed.
/// <see cref="BatchId"/> is the <c>X-Signature-Delivery</c> of a batched POST, fixed when the batch was made.
/// </summary>
public sealed record WebhookMessage(string PetitionId, string WebhookId, IReadOnlyList<QueuedWebhookEvent> Events)
{
    public const int CurrentSchema = 1;
    public int Schema { get; init; } = CurrentSchema;
    public int Attempt { get; init; }
    public DateTimeOffset? FirstAttemptAt { get; init; }
    public string? BatchId { get; init; }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string Serialize() => JsonSerializer.Serialize(this, Json);

    public static WebhookMessage Parse(string text) =>
        JsonSerializer.Deserialize<WebhookMessage>(text, Json) is { Schema: CurrentSchema } message ? message
            : throw new FormatException("Not a webhook message of schema " + CurrentSchema + ".");
}
