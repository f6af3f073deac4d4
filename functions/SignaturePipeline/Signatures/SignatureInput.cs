using System.Text.Json.Serialization;

namespace SignaturePipeline.Signatures;

/// <summary>What a signer submitted, before any rule ran. Every field may be missing or hostile.</summary>
public sealed record SignatureInput
{
    public string? FirstName { get; init; }
    public string? LastName { get; init; }
    public string? Email { get; init; }
    public string? PostalCode { get; init; }
    public string? State { get; init; }
    public string? City { get; init; }
    public string? Country { get; init; }
    public string? Comment { get; init; }
    public bool OptIn { get; init; }

    /// <summary>
    /// Count the signature, but never send the signer's name, city or comment to a target (<c>private</c>). Left out of a
    /// queue message when false, so messages stay as small as before and older ones read as not private.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Private { get; init; }

    /// <summary>The form's hidden honeypot field. People never see it; a bot that fills it is held out of the count.</summary>
    public string? Website { get; init; }

    /// <summary>The Turnstile or hCaptcha widget's answer (<c>cf-turnstile-response</c>, <c>h-captcha-response</c>), when enabled. Never stored.</summary>
    public string? CaptchaResponse { get; init; }

    /// <summary>
    /// The language the signer used (<c>lang</c>), so the emails and pages that follow are in it. Not a field of the
    /// signature: never validated, stored only as <see cref="SignerLanguage.Normalize"/> leaves it; null means English.
    /// </summary>
    public string? Lang { get; init; }

    /// <summary>Where the signature came from (source, utm values, referrer), as posted; null when nothing was.</summary>
    public SignatureSources? Sources { get; init; }
}

/// <summary>A signature that passed every rule, in the one spelling that is stored and counted.</summary>
public sealed record ValidSignature(
    string FirstName,
    string LastName,
    string Email,
    string CanonicalEmail,
    string PostalCode,
    string State,
    string? City,
    string Country,
    string? Comment,
    bool OptIn,
    bool Private = false)
{
    /// <summary>Where the signature came from, normalized; null when nothing was given.</summary>
    public SignatureSources? Sources { get; init; }
}
