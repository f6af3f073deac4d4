using System.Text.Json.Serialization;

namespace SignaturePipeline.Receipts;

[JsonConverter(typeof(JsonStringEnumConverter<ReceiptStatus>))]
public enum ReceiptStatus { Pending, Counted, Duplicate, Rejected, Poisoned }

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
    string? State = null);
