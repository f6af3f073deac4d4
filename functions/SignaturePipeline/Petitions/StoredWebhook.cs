using System.Text.Json;

namespace SignaturePipeline.Petitions;

/// <summary>A petition's webhooks as the <c>Webhooks</c> column of its row holds them: JSON, secrets and header values sealed.</summary>
internal sealed record StoredWebhook(string Id, string Url, List<string> Events, string Format, bool Batch, DateTimeOffset Since,
    string Secret, Dictionary<string, string> Headers)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string Serialize(IReadOnlyList<Webhook> webhooks) => JsonSerializer.Serialize(
        webhooks.Select(w => new StoredWebhook(w.Id, w.Url, [.. w.Events], w.Format, w.Batch, w.Since, w.SealedSecret,
            new Dictionary<string, string>(w.SealedHeaders, StringComparer.OrdinalIgnoreCase))), Json);

    public static IReadOnlyList<Webhook> Deserialize(string? json) => string.IsNullOrEmpty(json) ? []
        : (JsonSerializer.Deserialize<List<StoredWebhook>>(json, Json) ?? []).Select(s => new Webhook
        {
            Id = s.Id,
            Url = s.Url,
            Events = s.Events,
            Format = s.Format,
            Batch = s.Batch,
            Since = s.Since,
            SealedSecret = s.Secret,
            SealedHeaders = new Dictionary<string, string>(s.Headers, StringComparer.OrdinalIgnoreCase),
        }).ToList();
}
