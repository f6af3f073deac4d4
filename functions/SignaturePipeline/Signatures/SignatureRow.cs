using Azure.Data.Tables;

namespace SignaturePipeline.Signatures;

/// <summary>Where a stored signature stands. Only <see cref="Counted"/> rows are in the counters.</summary>
public enum SignatureRowStatus { Counted, Pending, Suspicious, Invalidated, Removed }

/// <summary>
/// The columns of a signature row (<c>s_…</c>), named once. Only the signature storage code reads or writes them;
/// everything else goes through <see cref="SignatureRow"/> and the store's methods.
/// </summary>
internal static class SignatureColumns
{
    public const string ReceiptId = "ReceiptId";
    public const string FirstName = "FirstName";
    public const string LastName = "LastName";
    public const string Email = "Email";
    public const string PostalCode = "PostalCode";
    public const string State = "State";
    public const string City = "City";
    public const string Country = "Country";
    public const string Comment = "Comment";
    public const string OptIn = "OptIn";
    /// <summary>True when the signer asked to be counted but not named to a target; absent otherwise.</summary>
    public const string Private = "Private";
    public const string SignedAt = "SignedAt";
    public const string Status = "Status";
    public const string Flag = "Flag";
    public const string IpHash = "IpHash";
    public const string Lang = "Lang";
    /// <summary>On a counted row: the key of the delivery index row that lists it, so removing it can take it out there too.</summary>
    public const string IndexRow = "IndexRow";
    public const string Confirmed = "Confirmed";
    public const string ConfirmedAt = "ConfirmedAt";
    public const string Resends = "Resends";
    public const string LastResendAt = "LastResendAt";
    public const string ReleasedAt = "ReleasedAt";
    /// <summary>When the last "already signed" note was recorded for this signature, and for which duplicate's receipt.</summary>
    public const string LastNoteAt = "LastNoteAt";
    public const string LastNoteReceipt = "LastNoteReceipt";
    public const string Reason = "Reason";
    public const string InvalidatedAt = "InvalidatedAt";
    /// <summary>On a row a rule invalidated: that invalidation's id, so its revert touches this row and no other.</summary>
    public const string InvalidationId = "InvalidationId";
    /// <summary>On a row a rule invalidated: the status it had, which a revert restores.</summary>
    public const string InvalidatedFrom = "InvalidatedFrom";
    public const string RevertedAt = "RevertedAt";
    public const string RemovedAt = "RemovedAt";
    public const string RemovedFrom = "RemovedFrom";
    public const string AnonymisedAt = "AnonymisedAt";
    /// <summary>Where the signature came from (<see cref="SignatureSources"/>); not personal data, so a tombstone keeps them.</summary>
    public const string Source = "Source";
    public const string UtmSource = "UtmSource";
    public const string UtmMedium = "UtmMedium";
    public const string UtmCampaign = "UtmCampaign";
    public const string Referrer = "Referrer";
    public const string SourceWebsite = "SourceWebsite";
    /// <summary>When the signer unsubscribed from updates; the signature still counts.</summary>
    public const string UnsubscribedAt = "UnsubscribedAt";
}

/// <summary>One stored signature row, with the ETag it was read with. A projected read leaves unread columns null.</summary>
public sealed record SignatureRow(string PetitionId, int Shard, TableEntity Entity)
{
    public string RowKey => Entity.RowKey;
    public SignatureRowStatus Status => SignatureStore.StatusOf(Entity);
    public string? ReceiptId => Entity.GetString(SignatureColumns.ReceiptId);
    public string? FirstName => Entity.GetString(SignatureColumns.FirstName);
    public string? LastName => Entity.GetString(SignatureColumns.LastName);
    public string? Email => Entity.GetString(SignatureColumns.Email);
    public string? PostalCode => Entity.GetString(SignatureColumns.PostalCode);
    public string? State => Entity.GetString(SignatureColumns.State);
    public string? City => Entity.GetString(SignatureColumns.City);
    public string? Comment => Entity.GetString(SignatureColumns.Comment);
    public bool OptIn => Entity.GetBoolean(SignatureColumns.OptIn) ?? false;
    public bool Private => Entity.GetBoolean(SignatureColumns.Private) ?? false;
    public DateTimeOffset? SignedAt => Entity.GetDateTimeOffset(SignatureColumns.SignedAt);
    public string? Flag => Entity.GetString(SignatureColumns.Flag);
    public string? IpHash => Entity.GetString(SignatureColumns.IpHash);
    public bool Confirmed => Entity.GetBoolean(SignatureColumns.Confirmed) ?? false;
    public DateTimeOffset? ConfirmedAt => Entity.GetDateTimeOffset(SignatureColumns.ConfirmedAt);
    public int Resends => Entity.GetInt32(SignatureColumns.Resends) ?? 0;
    public DateTimeOffset? LastResendAt => Entity.GetDateTimeOffset(SignatureColumns.LastResendAt);
    public DateTimeOffset? LastNoteAt => Entity.GetDateTimeOffset(SignatureColumns.LastNoteAt);
    public string? LastNoteReceipt => Entity.GetString(SignatureColumns.LastNoteReceipt);
    public DateTimeOffset? AnonymisedAt => Entity.GetDateTimeOffset(SignatureColumns.AnonymisedAt);
    public string? InvalidationId => Entity.GetString(SignatureColumns.InvalidationId);
    public SignatureRowStatus? InvalidatedFrom =>
        Entity.GetString(SignatureColumns.InvalidatedFrom) is { } name && Enum.TryParse<SignatureRowStatus>(name, ignoreCase: true, out var status) ? status : null;
    internal string? IndexRow => Entity.GetString(SignatureColumns.IndexRow);

    /// <summary>Where the signature came from; null when it came from nowhere in particular.</summary>
    public SignatureSources? Sources => SignatureStore.SourcesOf(Entity);

    /// <summary>The language the signer used (<see cref="SignerLanguage"/>); null for English.</summary>
    public string? Lang => SignerLanguage.Normalize(Entity.GetString(SignatureColumns.Lang));

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

    /// <summary>The signer as the delivery index lists them, counted at <paramref name="countedAt"/>.</summary>
    internal IndexedSigner ToIndexedSigner(DateTimeOffset countedAt) => Private
        ? IndexedSigner.Unnamed(State ?? "", PostalCode ?? "", (SignedAt ?? countedAt).ToUniversalTime())
        : new(FirstName ?? "", LastName ?? "", City ?? "", State ?? "", PostalCode ?? "", Comment ?? "", (SignedAt ?? countedAt).ToUniversalTime());
}
