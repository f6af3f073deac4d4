using Azure.Data.Tables;

namespace SignaturePipeline.Signatures;

/// <summary>Where a stored signature stands. Only <see cref="Counted"/> rows are in the counters.</summary>
public enum SignatureRowStatus { Counted, Pending, Suspicious, Invalidated, Removed }

/// <summary>One stored signature row, with the ETag it was read with.</summary>
public sealed record SignatureRow(string PetitionId, int Shard, TableEntity Entity)
{
    public string RowKey => Entity.RowKey;
    public SignatureRowStatus Status => SignatureStore.StatusOf(Entity);
    public string? Flag => Entity.GetString("Flag");
    public bool Confirmed => Entity.GetBoolean("Confirmed") ?? false;
    public string? State => Entity.GetString("State");
    public string? Email => Entity.GetString("Email");
    public string? IpHash => Entity.GetString("IpHash");
    public string? ReceiptId => Entity.GetString("ReceiptId");
    public DateTimeOffset? SignedAt => Entity.GetDateTimeOffset("SignedAt");

    /// <summary>The language the signer used (<see cref="SignerLanguage"/>); null for English and for rows older than the field.</summary>
    public string? Lang => SignerLanguage.Normalize(Entity.GetString("Lang"));

    /// <summary>A short handle organizers use in admin routes: <c>{shard:00}.{row key}</c>.</summary>
    public string Handle => $"{Shard:D2}.{RowKey}";

    public static bool TryParseHandle(string? handle, out int shard, out string rowKey)
    {
        shard = 0;
        rowKey = "";
        if (handle is null || handle.Length < 5 || handle[2] != '.' || !int.TryParse(handle.AsSpan(0, 2), out shard)) return false;
        rowKey = handle[3..];
        return rowKey.StartsWith(SignatureStore.SignatureRowPrefix, StringComparison.Ordinal) && rowKey.Length <= 80
            && rowKey[2..].All(char.IsAsciiHexDigitLower);
    }
}

/// <summary>What a transition writes: the new status, properties to set, and whether personal data goes (a tombstone).</summary>
public sealed record RowChange(SignatureRowStatus To, IReadOnlyDictionary<string, object?> Set, bool ErasePersonalData = false)
{
    public static RowChange Of(SignatureRowStatus to, params (string Key, object? Value)[] set) =>
        new(to, set.ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal));
}

public enum TransitionOutcome { NotFound, Unchanged, Changed }

public sealed record TransitionResult(TransitionOutcome Outcome, SignatureRowStatus? From, SignatureRowStatus? To)
{
    /// <summary>Change in the petition's count: +1, -1 or 0.</summary>
    public int CountDelta => Outcome != TransitionOutcome.Changed ? 0
        : (To == SignatureRowStatus.Counted ? 1 : 0) - (From == SignatureRowStatus.Counted ? 1 : 0);
}
