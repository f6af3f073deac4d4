using System.Text.Json;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Web.Intake;

/// <summary>
/// Reads a signature from a JSON body: our flat shape, or an OSDI record-signature-helper body
/// (<c>{person:{given_name, family_name, email_addresses, postal_addresses}, comments}</c>), which
/// organizing tools such as Action Network send.
/// </summary>
public static class SignatureJson
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 16, CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false };

    public sealed record ParseError(string Message, string? Field = null);

    public static bool TryParse(ReadOnlyMemory<byte> body, out SignatureInput input, out ParseError? error)
    {
        input = new SignatureInput();
        error = null;
        JsonDocument document;
        try { document = JsonDocument.Parse(body, Options); }
        catch (JsonException e)
        {
            error = new ParseError($"The body is not valid JSON ({Describe(e)}).");
            return false;
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = new ParseError("The body must be a JSON object with the signer's fields.");
                return false;
            }
            try
            {
                input = root.TryGetProperty("person", out var person) && person.ValueKind == JsonValueKind.Object
                    ? FromOsdi(root, person)
                    : FromFlat(root);
                return true;
            }
            catch (FieldTypeException e)
            {
                error = new ParseError(e.Message, e.Field);
                return false;
            }
            catch (InvalidOperationException)
            {
                // A string with a lone surrogate escape (\ud800) is valid JSON but not text.
                error = new ParseError("A field holds an escape sequence that is not text.");
                return false;
            }
        }
    }

    private static SignatureInput FromFlat(JsonElement root) => new()
    {
        FirstName = String(root, "firstName"),
        LastName = String(root, "lastName"),
        Email = String(root, "email"),
        PostalCode = String(root, "postalCode"),
        State = String(root, "state"),
        City = String(root, "city"),
        Country = String(root, "country"),
        Comment = String(root, "comment"),
        OptIn = Bool(root, "optIn"),
        Private = PrivateChoice(root),
        Website = Honeypot(root),
        CaptchaResponse = Captcha(root),
        Lang = Language(root),
        Sources = Sources(root),
    };

    private static SignatureInput FromOsdi(JsonElement root, JsonElement person)
    {
        var email = FirstObject(person, "email_addresses", prefer: "primary");
        var address = FirstObject(person, "postal_addresses", prefer: "primary");
        return new SignatureInput
        {
            FirstName = String(person, "given_name"),
            LastName = String(person, "family_name"),
            Email = email is { } e ? String(e, "address") : null,
            PostalCode = address is { } a1 ? String(a1, "postal_code") : null,
            State = address is { } a2 ? String(a2, "region") : null,
            City = address is { } a3 ? String(a3, "locality") : null,
            Country = address is { } a4 ? String(a4, "country") : null,
            Comment = String(root, "comments") ?? String(root, "comment"),
            OptIn = Bool(root, "optIn"),
            // Top level, beside optIn: OSDI's person has no field for it, and it is a choice about this signature, not the person.
            Private = PrivateChoice(root),
            Website = Honeypot(root),
            CaptchaResponse = Captcha(root),
            Lang = Language(root),
            Sources = OsdiSources(root),
        };
    }

    /// <summary>
    /// Our flat shape takes the names a page's address and a form use (<c>source</c>, <c>utm_source</c>, <c>referrer</c>
    /// or <c>ref</c>), and the camelCase spelling of the utm values (<c>utmSource</c>) that the rest of our JSON uses.
    /// </summary>
    private static SignatureSources? Sources(JsonElement root) => NonEmpty(new SignatureSources
    {
        Source = String(root, SignatureSources.SourceField),
        UtmSource = String(root, SignatureSources.UtmSourceField) ?? String(root, "utmSource"),
        UtmMedium = String(root, SignatureSources.UtmMediumField) ?? String(root, "utmMedium"),
        UtmCampaign = String(root, SignatureSources.UtmCampaignField) ?? String(root, "utmCampaign"),
        Referrer = String(root, SignatureSources.ReferrerField) ?? String(root, "ref"),
    });

    /// <summary>OSDI's <c>referrer_data: {source, referrer, website}</c>; the flat names are read too, for tools that send both.</summary>
    private static SignatureSources? OsdiSources(JsonElement root)
    {
        var flat = Sources(root);
        if (!root.TryGetProperty("referrer_data", out var data) || data.ValueKind == JsonValueKind.Null) return flat;
        if (data.ValueKind != JsonValueKind.Object) throw new FieldTypeException("referrer_data", "'referrer_data' must be an object.");
        return NonEmpty((flat ?? new SignatureSources()) with
        {
            Source = String(data, SignatureSources.SourceField) ?? flat?.Source,
            Referrer = String(data, SignatureSources.ReferrerField) ?? flat?.Referrer,
            Website = String(data, SignatureSources.WebsiteField),
        });
    }

    private static SignatureSources? NonEmpty(SignatureSources sources) => sources.IsEmpty ? null : sources;

    private static JsonElement? FirstObject(JsonElement parent, string name, string prefer)
    {
        if (!parent.TryGetProperty(name, out var array) || array.ValueKind == JsonValueKind.Null) return null;
        if (array.ValueKind != JsonValueKind.Array) throw new FieldTypeException(name, $"'{name}' must be a list.");
        JsonElement? first = null;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object) throw new FieldTypeException(name, $"Each entry of '{name}' must be an object.");
            first ??= item;
            if (item.TryGetProperty(prefer, out var flag) && flag.ValueKind == JsonValueKind.True) return item;
        }
        return first;
    }

    private static string? String(JsonElement parent, string name)
    {
        if (!parent.TryGetProperty(name, out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Null => null,
            // ZIP codes typed into number fields arrive as numbers; keep their digits as written.
            JsonValueKind.Number when name is "postalCode" or "postal_code" => value.GetRawText(),
            _ => throw new FieldTypeException(name, $"'{name}' must be text."),
        };
    }

    /// <summary>Any value at all in the honeypot is a bot's, whatever its type: never a 400 that would teach it the field matters.</summary>
    private static string? Honeypot(JsonElement root)
    {
        if (!root.TryGetProperty("website", out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => value.GetString(),
            _ => value.GetRawText(),
        };
    }

    /// <summary>A language is a preference, not part of the signature: a value of the wrong type falls back to English instead of refusing the signature.</summary>
    private static string? Language(JsonElement root) =>
        root.TryGetProperty("lang", out var value) && value.ValueKind == JsonValueKind.String ? SignerLanguage.Normalize(value.GetString()) : null;

    private static string? Captcha(JsonElement root) =>
        String(root, "captchaResponse") ?? String(root, "cf-turnstile-response") ?? String(root, "h-captcha-response");

    private static bool Bool(JsonElement parent, string name)
    {
        if (!parent.TryGetProperty(name, out var value)) return false;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            JsonValueKind.String => FormValues.IsTrue(value.GetString()),
            _ => throw new FieldTypeException(name, $"'{name}' must be true or false."),
        };
    }

    /// <summary>
    /// Stricter than <see cref="Bool"/>: a value we cannot read as yes or no is refused, never taken as "no", since "no"
    /// would send the name of someone who asked us not to.
    /// </summary>
    private static bool PrivateChoice(JsonElement root)
    {
        if (!root.TryGetProperty(FormValues.PrivateField, out var value)) return false;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            JsonValueKind.String when FormValues.TryReadChoice(value.GetString(), out var choice) => choice,
            _ => throw new FieldTypeException(FormValues.PrivateField, FormValues.PrivateInvalid),
        };
    }

    private static string Describe(JsonException e) =>
        e.LineNumber is { } line ? $"line {line + 1}, position {e.BytePositionInLine + 1}" : "it could not be read";
}

/// <summary>A field whose value has the wrong type or cannot be read: a 400 naming the field.</summary>
public sealed class FieldTypeException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>Reads the fields of a plain HTML form post, where a checkbox sends "on" or nothing.</summary>
public static class FormValues
{
    public const string PrivateField = "private";
    public const string PrivateInvalid = "'private' must be true or false (a checkbox sends \"on\").";

    /// <summary>Yes or no as a form or a JSON string says it; false when the value is neither.</summary>
    public static bool TryReadChoice(string? value, out bool choice)
    {
        choice = IsTrue(value);
        return choice || string.IsNullOrEmpty(value) || value.Equals("off", StringComparison.OrdinalIgnoreCase)
            || value.Equals("false", StringComparison.OrdinalIgnoreCase) || value == "0" || value.Equals("no", StringComparison.OrdinalIgnoreCase);
    }

    public static bool IsTrue(string? value) =>
        value is not null && (value.Equals("on", StringComparison.OrdinalIgnoreCase) || value.Equals("true", StringComparison.OrdinalIgnoreCase)
            || value == "1" || value.Equals("yes", StringComparison.OrdinalIgnoreCase));

    public static SignatureInput ToInput(Func<string, string?> field) => new()
    {
        FirstName = field("firstName"),
        LastName = field("lastName"),
        Email = field("email"),
        PostalCode = field("postalCode"),
        State = field("state"),
        City = field("city"),
        Country = field("country"),
        Comment = field("comment"),
        OptIn = IsTrue(field("optIn")),
        Private = TryReadChoice(field(PrivateField), out var isPrivate) ? isPrivate : throw new FieldTypeException(PrivateField, PrivateInvalid),
        Website = field("website"),
        CaptchaResponse = field("cf-turnstile-response") ?? field("h-captcha-response") ?? field("captchaResponse"),
        Lang = SignerLanguage.Normalize(field("lang")),
        Sources = SourcesOf(field),
    };

    /// <summary>Hidden fields with the names of the page address's parameters; <c>ref</c> as well as <c>referrer</c>.</summary>
    public static SignatureSources? SourcesOf(Func<string, string?> field)
    {
        var sources = new SignatureSources
        {
            Source = field(SignatureSources.SourceField),
            UtmSource = field(SignatureSources.UtmSourceField),
            UtmMedium = field(SignatureSources.UtmMediumField),
            UtmCampaign = field(SignatureSources.UtmCampaignField),
            Referrer = field(SignatureSources.ReferrerField) ?? field("ref"),
        };
        return sources.IsEmpty ? null : sources;
    }
}
