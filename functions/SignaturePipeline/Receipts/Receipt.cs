using System.Text.Json.Serialization;

namespace SignaturePipeline.Receipts;

[JsonConverter(typeof(JsonStringEnumConverter<ReceiptStatus>))]
public enum ReceiptStatus
{
    Pending,
    Counted,
    Duplicate,
    Rejected,
    Poisoned,

    /// <summary>Stored, waiting for the signer to confirm by email. Also what a duplicate or a held signature shows, so the form leaks nothing.</summary>
    [JsonStringEnumMemberName("pending_confirmation")]
    PendingConfirmation,
}

public static class ReceiptStatusNames
{
    /// <summary>The name in the HTTP contract and in outcome row keys.</summary>
    public static string Of(ReceiptStatus status) => status == ReceiptStatus.PendingConfirmation ? "pending_confirmation" : status.ToString().ToLowerInvariant();
}

/// <summary>
/// Where one accepted signature ended. Every receipt ends in exactly one final state:
/// counted, duplicate, rejected (with a reason code), or poisoned (with the failure).
/// </summary>
public sealed record Receipt(
    string ReceiptId,
    string PetitionId,
    ReceiptStatus Status,
    string? Reason = null,
    string? Field = null,
    string? Message = null,
    long? SupporterNumber = null,
    string? State = null)
{
    /// <summary>
    /// What organizers see when it differs from what the signer sees: a duplicate on a confirmation petition shows
    /// the signer <see cref="ReceiptStatus.PendingConfirmation"/> (the form must not tell whether someone signed)
    /// but is recorded as a duplicate in the outcomes.
    /// </summary>
    public ReceiptStatus? Recorded { get; init; }
}
