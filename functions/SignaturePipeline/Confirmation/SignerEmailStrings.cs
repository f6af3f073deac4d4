using System.Collections.Frozen;
using System.Globalization;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Confirmation;

/// <summary>
/// Every word of the emails to signers, per language (<see cref="SignerLanguage"/>), so a translation is one more entry
/// in <see cref="All"/>. Every member is required, so a language cannot compile with a sentence missing. Texts are plain
/// text: <see cref="SignerEmails"/> encodes them, and the petition's title they receive, for the HTML part.
/// </summary>
public sealed class SignerEmailStrings
{
    /// <summary>The code the pages' <c>lang</c> parameter uses; links in an email in any other language than English carry it.</summary>
    public required string Lang { get; init; }

    public required CultureInfo Culture { get; init; }

    public required string ConfirmSubject { get; init; }
    public required string ConfirmThanks { get; init; }
    public required string ConfirmWhy { get; init; }
    public required string ConfirmButton { get; init; }
    public required string ConfirmLinkLife { get; init; }
    public required string Days { get; init; }
    public required string Hours { get; init; }

    public required string AlreadySubject { get; init; }
    public required string AlreadyAgain { get; init; }
    public required string AlreadyOnce { get; init; }
    public required string AlreadyNotYou { get; init; }

    public required string Remove { get; init; }

    /// <summary>Said back to a signer who chose to be counted without being named to the target.</summary>
    public required string PrivateChoice { get; init; }

    public static readonly SignerEmailStrings English = new()
    {
        Lang = SignerLanguage.English,
        Culture = CultureInfo.GetCultureInfo("en-US"),
        ConfirmSubject = "Confirm your signature: {0}",
        ConfirmThanks = "Thank you for signing \u201C{0}\u201D.",
        ConfirmWhy = "Your signature counts once you confirm that this is your email address. Open the link and press the button:",
        ConfirmButton = "Confirm my signature",
        ConfirmLinkLife = "The link works for {0}. If you did not sign, ignore this email: nothing is counted without your confirmation.",
        Days = "{0} days",
        Hours = "{0} hours",
        AlreadySubject = "You have already signed: {0}",
        AlreadyAgain = "Someone, probably you, signed \u201C{0}\u201D again with this email address.",
        AlreadyOnce = "We count each person once, so nothing changed. If you have not confirmed your first signature yet, you can do it here:",
        AlreadyNotYou = "If this was not you, there is nothing to do.",
        Remove = "Remove your signature and your details",
        PrivateChoice = "You asked us to count your signature without sending your name to the target: your name, city and comment will not be in what we deliver to them.",
    };

    public static readonly SignerEmailStrings Spanish = new()
    {
        Lang = SignerLanguage.Spanish,
        Culture = CultureInfo.GetCultureInfo("es-US"),
        ConfirmSubject = "Confirma tu firma: {0}",
        ConfirmThanks = "Gracias por firmar «{0}».",
        ConfirmWhy = "Tu firma contará en cuanto confirmes que este es tu correo electrónico. Abre el enlace y presiona el botón:",
        ConfirmButton = "Confirmar mi firma",
        ConfirmLinkLife = "El enlace funciona durante {0}. Si no firmaste, ignora este correo: no se cuenta nada sin tu confirmación.",
        Days = "{0} días",
        Hours = "{0} horas",
        AlreadySubject = "Ya firmaste: {0}",
        AlreadyAgain = "Alguien, probablemente tú, volvió a firmar «{0}» con este correo electrónico.",
        AlreadyOnce = "Contamos a cada persona una sola vez, así que nada cambió. Si todavía no confirmaste tu primera firma, puedes hacerlo aquí:",
        AlreadyNotYou = "Si no fuiste tú, no tienes que hacer nada.",
        Remove = "Elimina tu firma y tus datos",
        PrivateChoice = "Nos pediste contar tu firma sin enviar tu nombre al destinatario: tu nombre, tu ciudad y tu comentario no estarán en lo que le entreguemos.",
    };

    public static readonly FrozenDictionary<string, SignerEmailStrings> All =
        new[] { English, Spanish }.ToFrozenDictionary(s => s.Lang, StringComparer.Ordinal);

    /// <summary>The strings for a stored language code; English for null and for anything not offered.</summary>
    public static SignerEmailStrings For(string? lang) =>
        SignerLanguage.Normalize(lang) is { } code && All.TryGetValue(code, out var strings) ? strings : English;

    public string Format(string template, params object?[] values) => string.Format(Culture, template, values);
}
