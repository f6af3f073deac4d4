namespace SignaturePipeline;

/// <summary>
/// The machine-readable reasons a signature is refused, recorded on receipts and outcomes and shown in <see cref="FieldError.Code"/>.
/// Stable: forms and organizers' tools match on them, and the README lists them. Every one has a message in each page language.
/// </summary>
public static class ReasonCodes
{
    public const string NameRequired = "name_required";
    public const string NameTooLong = "name_too_long";
    public const string NameContainsUrl = "name_contains_url";
    public const string NameContainsMarkup = "name_contains_markup";
    public const string NameFormulaPrefix = "name_formula_prefix";
    public const string NameInvalidCharacters = "name_invalid_characters";
    public const string EmailRequired = "email_required";
    public const string EmailInvalid = "email_invalid";
    public const string PostalCodeRequired = "postal_code_required";
    public const string PostalCodeInvalid = "postal_code_invalid";
    public const string PostalCodeStateMismatch = "postal_code_state_mismatch";
    public const string StateRequired = "state_required";
    public const string StateInvalid = "state_invalid";
    public const string CountryUnsupported = "country_unsupported";
    public const string CityTooLong = "city_too_long";
    public const string CityInvalid = "city_invalid";
    public const string CommentTooLong = "comment_too_long";
    public const string CommentInvalidCharacters = "comment_invalid_characters";
    /// <summary>A <c>source</c>, <c>utm_*</c> or <c>website</c> value that is not a short code (see <see cref="Signatures.SignatureSources"/>).</summary>
    public const string SourceInvalid = "source_invalid";
    public const string ReferrerInvalid = "referrer_invalid";

    /// <summary>Recorded by the processor when the petition changed after intake.</summary>
    public const string PetitionNotFound = "petition_not_found";
    public const string PetitionClosed = "petition_closed";
}
