using Microsoft.AspNetCore.Http;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Web.Http;

/// <summary>
/// RFC 9457 problem details. <c>code</c> is for programs; <c>detail</c> and each error's <c>message</c>
/// are sentences a signing form can show as they are.
/// </summary>
public static class Problems
{
    public const string ContentType = "application/problem+json";

    public sealed record ProblemBody(string Type, string Title, int Status, string Detail, string Code, IReadOnlyList<FieldError>? Errors);

    public static IResult Create(int status, string code, string title, string detail, IReadOnlyList<FieldError>? errors = null) =>
        Results.Json(new ProblemBody($"https://signaturepipeline.dev/problems/{code.Replace('_', '-')}", title, status, detail, code, errors),
            Json.Options, ContentType, status);

    public static IResult Validation(IReadOnlyList<FieldError> errors) =>
        Create(StatusCodes.Status400BadRequest, "validation_failed", "Some fields need another look",
            errors.Count == 1 ? errors[0].Message : $"{errors.Count} fields need another look.", errors);

    public static IResult Malformed(string detail, string? field = null) =>
        Create(StatusCodes.Status400BadRequest, "malformed_body", "The request body could not be read", detail,
            field is null ? null : [new FieldError(field, "type_invalid", detail)]);

    public static IResult TooLarge(int limit) =>
        Create(StatusCodes.Status413PayloadTooLarge, "body_too_large", "The request is too large",
            $"A signature must be under {limit / 1024} KiB. Shorten the comment and try again.");

    /// <summary>A form or admin body over its cap: the same code, without the signer's advice about comments.</summary>
    public static IResult BodyTooLarge(int limit) =>
        Create(StatusCodes.Status413PayloadTooLarge, "body_too_large", "The request is too large",
            $"The request body must be under {limit / 1024} KiB.");

    public static IResult UnsupportedMediaType(string? contentType) =>
        Create(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "Unsupported content type",
            $"Send the signature as application/json or as a form (application/x-www-form-urlencoded or multipart/form-data), not {(string.IsNullOrEmpty(contentType) ? "an untyped body" : contentType)}.");

    public static IResult PetitionNotFound() =>
        Create(StatusCodes.Status404NotFound, ReasonCodes.PetitionNotFound, "Petition not found", "There is no petition at this address. Check the link.");

    public static IResult PetitionClosed(string title) =>
        Create(StatusCodes.Status409Conflict, ReasonCodes.PetitionClosed, "This petition is closed", $"\u201C{title}\u201D is no longer collecting signatures.");

    public static IResult Unavailable() =>
        Create(StatusCodes.Status503ServiceUnavailable, "temporarily_unavailable", "Please try again",
            "We could not record your signature just now. Nothing was saved; please submit again in a moment.");
}
