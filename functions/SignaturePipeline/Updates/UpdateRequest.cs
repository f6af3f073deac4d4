using System.Globalization;
using System.Text.Json.Serialization;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Updates;

[JsonConverter(typeof(JsonStringEnumConverter<UpdateKind>))]
public enum UpdateKind { Update, Response, Victory }

/// <summary>The body of <c>POST /api/admin/petitions/{id}/updates</c>, as an organizer's tool sends it.</summary>
public sealed record UpdateRequest
{
    public string? Kind { get; init; }
    public string? Subject { get; init; }
    public string? Body { get; init; }
    public string? SubjectEs { get; init; }
    public string? BodyEs { get; init; }
    public string? Responder { get; init; }
    public string? RespondedAt { get; init; }

    public const int MaxSubjectLength = 150;
    public const int MaxBodyLength = 20_000;
    public const int MaxResponderLength = 200;

    /// <summary>Checks every field and returns the update to record, or the errors a form can show next to its fields.</summary>
    public IReadOnlyList<FieldError> Validate(DateTimeOffset now, out ValidUpdate? update)
    {
        var errors = new List<FieldError>();
        update = null;
        UpdateKind kind = default;
        if (string.IsNullOrWhiteSpace(Kind))
            errors.Add(new("kind", "kind_required", "Choose the kind: update, response or victory."));
        else if (!Enum.TryParse(Kind.Trim(), ignoreCase: true, out kind) || !Enum.IsDefined(kind) || char.IsDigit(Kind.Trim()[0]))
            errors.Add(new("kind", "kind_invalid", "The kind must be update, response or victory."));

        var subject = Line(Subject, "subject", required: true, MaxSubjectLength, errors);
        var body = Paragraphs(Body, "body", required: true, errors);
        var subjectEs = Line(SubjectEs, "subjectEs", required: false, MaxSubjectLength, errors);
        var bodyEs = Paragraphs(BodyEs, "bodyEs", required: false, errors);
        // The Spanish text goes out whole or not at all: a Spanish subject over an English body would confuse.
        if (subjectEs.Length > 0 && bodyEs.Length == 0 && !errors.Any(e => e.Field == "bodyEs"))
            errors.Add(new("bodyEs", "bodyEs_required", "Give the Spanish body too, or leave out the Spanish subject."));
        if (bodyEs.Length > 0 && subjectEs.Length == 0 && !errors.Any(e => e.Field == "subjectEs"))
            errors.Add(new("subjectEs", "subjectEs_required", "Give the Spanish subject too, or leave out the Spanish body."));

        string? responder = null;
        DateTimeOffset? respondedAt = null;
        if (kind == UpdateKind.Response)
        {
            responder = Line(Responder, "responder", required: true, MaxResponderLength, errors);
            if (!string.IsNullOrWhiteSpace(RespondedAt))
            {
                if (DateTimeOffset.TryParse(RespondedAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) && at <= now.AddDays(1))
                    respondedAt = at.ToUniversalTime();
                else
                    errors.Add(new("respondedAt", "respondedAt_invalid", "Give the date of the response as 2011-06-01 or 2011-06-01T14:00:00Z, not in the future."));
            }
        }

        if (errors.Count > 0) return errors;
        update = new ValidUpdate(kind, subject, body, subjectEs.Length > 0 ? subjectEs : null, bodyEs.Length > 0 ? bodyEs : null,
            responder, kind == UpdateKind.Response ? respondedAt ?? now : null);
        return errors;
    }

    private static string Line(string? value, string field, bool required, int max, List<FieldError> errors)
    {
        if (value is not null && Text.HasControlCharacters(value))
        {
            errors.Add(new(field, field + "_invalid_characters", "Remove control characters and line breaks from this line."));
            return "";
        }
        var text = Text.Normalize(value);
        if (text.Length == 0 && required) errors.Add(new(field, field + "_required", $"Write the {Describe(field)}."));
        else if (text.Length > max) errors.Add(new(field, field + "_too_long", $"Keep the {Describe(field)} to {max} characters."));
        return text;
    }

    private static string Paragraphs(string? value, string field, bool required, List<FieldError> errors)
    {
        if (value is not null && Text.HasControlCharacters(value, allowNewlines: true))
        {
            errors.Add(new(field, field + "_invalid_characters", "Remove control characters; line breaks are fine."));
            return "";
        }
        var text = Text.NormalizeMultiline(value);
        if (text.Length == 0 && required) errors.Add(new(field, field + "_required", "Write the text of the update."));
        else if (text.Length > MaxBodyLength) errors.Add(new(field, field + "_too_long", $"Keep the text to {MaxBodyLength:N0} characters."));
        return text;
    }

    private static string Describe(string field) => field switch
    {
        "subject" => "subject",
        "subjectEs" => "Spanish subject",
        _ => "name of who responded",
    };
}

/// <summary>An update that passed every rule, normalized, ready to record.</summary>
public sealed record ValidUpdate(UpdateKind Kind, string Subject, string Body, string? SubjectEs, string? BodyEs, string? Responder, DateTimeOffset? RespondedAt)
{
    /// <summary>An <c>update</c> goes to those who asked for news; a response or a victory reports the outcome to everyone who signed.</summary>
    public bool OptedInOnly => Kind == UpdateKind.Update;
}
