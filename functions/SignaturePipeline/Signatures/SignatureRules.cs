using System.Text.RegularExpressions;

namespace SignaturePipeline.Signatures;

/// <summary>
/// The rules a signature must pass to be counted. Intake runs them to answer a form at once;
/// the queue processor runs them again, because a queue message may come from anywhere.
/// </summary>
public static partial class SignatureRules
{
    public const int MaxNameLength = 100;
    public const int MaxCityLength = 100;
    public const int MaxCommentLength = 1000;

    public static IReadOnlyList<FieldError> Validate(SignatureInput input, out ValidSignature? signature, CanonicalEmailRules? emailRules = null)
    {
        var errors = new List<FieldError>();
        var first = ValidateName(input.FirstName, "firstName", "first name", errors);
        var last = ValidateName(input.LastName, "lastName", "last name", errors);

        string email = "", canonical = "";
        if (string.IsNullOrWhiteSpace(input.Email))
            errors.Add(new("email", ReasonCodes.EmailRequired, "Enter your email address."));
        else if (!CanonicalEmail.TryNormalize(Text.Normalize(input.Email), out email))
            errors.Add(new("email", ReasonCodes.EmailInvalid, "Enter a valid email address, like name@example.com."));
        else
            canonical = CanonicalEmail.Canonicalize(email, emailRules);

        var country = NormalizeCountry(input.Country);
        if (country is null)
            errors.Add(new("country", ReasonCodes.CountryUnsupported, "Only US addresses can sign this petition."));

        var stateCode = "";
        var stateOk = false;
        if (string.IsNullOrWhiteSpace(input.State))
            errors.Add(new("state", ReasonCodes.StateRequired, "Choose your state."));
        else if (!UsStates.TryNormalize(Text.Normalize(input.State), out stateCode))
            errors.Add(new("state", ReasonCodes.StateInvalid, "Choose a US state or territory from the list."));
        else
            stateOk = true;

        var zip = "";
        var zipText = Text.Normalize(input.PostalCode);
        if (zipText.Length == 0)
            errors.Add(new("postalCode", ReasonCodes.PostalCodeRequired, "Enter your ZIP code."));
        else if (!TryNormalizeZip(zipText, out zip))
            errors.Add(new("postalCode", ReasonCodes.PostalCodeInvalid, "Enter a 5-digit ZIP code, or ZIP+4 like 10001-1234."));
        else if (stateOk && !UsStates.ZipBelongsToState(zip, stateCode))
            errors.Add(new("postalCode", ReasonCodes.PostalCodeStateMismatch,
                $"ZIP code {zip} is not in {UsStates.NameOf(stateCode)}. Check the ZIP code and the state."));

        var city = Text.Normalize(input.City);
        if (city.Length > MaxCityLength)
            errors.Add(new("city", ReasonCodes.CityTooLong, $"Keep the city under {MaxCityLength} characters."));
        else if (city.Length > 0 && (Text.ContainsMarkup(city) || Text.HasControlCharacters(city) || Text.StartsLikeFormula(city)))
            errors.Add(new("city", ReasonCodes.CityInvalid, "Enter the city name with letters only."));

        var comment = Text.NormalizeMultiline(input.Comment);
        if (comment.Length > MaxCommentLength)
            errors.Add(new("comment", ReasonCodes.CommentTooLong, $"Keep your comment under {MaxCommentLength:N0} characters (it has {comment.Length:N0})."));
        else if (Text.HasControlCharacters(comment, allowNewlines: true))
            errors.Add(new("comment", ReasonCodes.CommentInvalidCharacters, "Your comment contains characters that cannot be shown. Remove them and try again."));

        var sources = SignatureSources.Validate(input.Sources, errors);

        signature = errors.Count == 0
            ? new ValidSignature(first!, last!, email, canonical, zip, stateCode, city.Length == 0 ? null : city,
                country!, comment.Length == 0 ? null : comment, input.OptIn, input.Private) { Sources = sources }
            : null;
        return errors;
    }

    private static string? ValidateName(string? raw, string field, string label, List<FieldError> errors)
    {
        // Check control characters before normalizing: whitespace folding would hide a NUL or tab.
        if (raw is not null && Text.HasControlCharacters(raw.Replace(' ', 'x')))
        {
            errors.Add(new(field, ReasonCodes.NameInvalidCharacters, $"Your {label} contains characters that cannot be shown."));
            return null;
        }
        var name = Text.Normalize(raw);
        if (name.Length == 0)
            errors.Add(new(field, ReasonCodes.NameRequired, $"Enter your {label}."));
        else if (name.Length > MaxNameLength)
            errors.Add(new(field, ReasonCodes.NameTooLong, $"Keep your {label} under {MaxNameLength} characters."));
        else if (Text.ContainsUrl(name))
            errors.Add(new(field, ReasonCodes.NameContainsUrl, $"Your {label} cannot contain a web address."));
        else if (Text.ContainsMarkup(name))
            errors.Add(new(field, ReasonCodes.NameContainsMarkup, $"Your {label} cannot contain < or >."));
        else if (Text.StartsLikeFormula(name))
            errors.Add(new(field, ReasonCodes.NameFormulaPrefix, $"Your {label} cannot start with =, +, -, @ or a similar symbol."));
        else if (!Text.HasLetter(name))
            errors.Add(new(field, ReasonCodes.NameInvalidCharacters, $"Your {label} must contain letters."));
        else
            return name;
        return null;
    }

    private static string? NormalizeCountry(string? country)
    {
        var value = Text.Normalize(country).ToUpperInvariant().Replace(".", "", StringComparison.Ordinal);
        return value switch
        {
            "" or "US" or "USA" or "UNITED STATES" or "UNITED STATES OF AMERICA" => "US",
            _ => null,
        };
    }

    public static bool TryNormalizeZip(string value, out string zip)
    {
        var match = Zip().Match(value);
        zip = !match.Success ? "" : match.Groups[2].Success ? $"{match.Groups[1].Value}-{match.Groups[2].Value}" : match.Groups[1].Value;
        return match.Success;
    }

    [GeneratedRegex(@"^([0-9]{5})(?:[- ]?([0-9]{4}))?$", RegexOptions.CultureInvariant)]
    private static partial Regex Zip();
}
