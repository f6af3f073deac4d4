using System.Collections.Frozen;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Web.Pages;

/// <summary>
/// Every word the server-rendered pages show, per language, so a translation is one more entry in <see cref="All"/>.
/// Every member is required, so a new language cannot compile with a sentence missing. Texts are trusted markup
/// written here; placeholders (<c>{0}</c>) receive HTML the pages have already encoded.
/// </summary>
public sealed class PageStrings
{
    /// <summary>The code a page's <c>lang</c> attribute and the <c>lang</c> parameter use.</summary>
    public required string Lang { get; init; }

    /// <summary>How numbers are written: "1,234" and "1.234" must not be mixed on one page.</summary>
    public required CultureInfo Culture { get; init; }

    public required string PetitionTo { get; init; }
    public required string Progress { get; init; }
    public required string ProgressLabel { get; init; }
    public required string Jump { get; init; }
    public required string Letter { get; init; }
    public required string Won { get; init; }
    public required string Closed { get; init; }
    public required string ClosedText { get; init; }
    public required string CheckTitle { get; init; }
    public required string FormHeading { get; init; }
    public required string OneError { get; init; }
    public required string Errors { get; init; }
    public required string NotRecorded { get; init; }
    public required string FirstName { get; init; }
    public required string LastName { get; init; }
    public required string Email { get; init; }
    public required string PostalCode { get; init; }
    public required string State { get; init; }
    public required string City { get; init; }
    public required string Comment { get; init; }
    public required string Optional { get; init; }
    public required string Choose { get; init; }
    public required string Honeypot { get; init; }
    public required string OptIn { get; init; }
    public required string Private { get; init; }
    /// <summary>The thank-you page's reminder of that choice.</summary>
    public required string PrivateChosen { get; init; }
    public required string Submit { get; init; }

    public required string Thanks { get; init; }
    public required string Supporter { get; init; }
    public required string Duplicate { get; init; }
    public required string DuplicateText { get; init; }
    public required string Rejected { get; init; }
    public required string RejectedFallback { get; init; }
    public required string SignAgain { get; init; }
    public required string Poisoned { get; init; }
    public required string PoisonedText { get; init; }
    public required string CheckEmail { get; init; }
    public required string CheckEmailText { get; init; }
    public required string Counting { get; init; }
    public required string Slow { get; init; }
    public required string CheckAgain { get; init; }
    public required string Back { get; init; }
    public required string Receipt { get; init; }

    // The share step after signing: every share link carries the signer's referral code.
    public required string ShareHeading { get; init; }
    public required string ShareText { get; init; }
    public required string ShareCopy { get; init; }
    public required string ShareEmail { get; init; }
    /// <summary>The words a shared link goes with, as plain text (they go into addresses, not HTML); {0} is the petition's title.</summary>
    public required string ShareMessage { get; init; }
    public required string ShareSubject { get; init; }

    public required string NotFound { get; init; }
    public required string NotFoundText { get; init; }
    public required string TryAgain { get; init; }
    public required string TryAgainText { get; init; }

    // The pages behind the links in signers' emails (Confirmation/ConfirmationEndpoints).
    public required string ThisPetition { get; init; }
    public required string ConfirmHeading { get; init; }
    public required string ConfirmText { get; init; }
    public required string ConfirmButton { get; init; }
    public required string RemoveHeading { get; init; }
    public required string RemoveText { get; init; }
    public required string RemoveButton { get; init; }
    public required string Confirmed { get; init; }
    public required string ConfirmedText { get; init; }
    public required string AlreadyConfirmed { get; init; }
    public required string AlreadyConfirmedText { get; init; }
    public required string ConfirmedHeld { get; init; }
    public required string ConfirmedHeldText { get; init; }
    public required string Removed { get; init; }
    public required string RemovedText { get; init; }
    public required string AlreadyRemoved { get; init; }
    public required string AlreadyRemovedText { get; init; }
    public required string LinkExpired { get; init; }
    public required string ConfirmExpiredText { get; init; }
    public required string ResendButton { get; init; }
    public required string RemoveExpiredText { get; init; }
    public required string ResendSentText { get; init; }
    public required string ResendLimited { get; init; }
    public required string ResendLimitedText { get; init; }
    public required string BadLink { get; init; }
    public required string BadLinkText { get; init; }

    // Updates to signers: the petition page's section, and the page behind the unsubscribe link (Updates/UpdateEndpoints).
    public required string UpdatesHeading { get; init; }
    public required string ResponseHeading { get; init; }
    public required string KindUpdate { get; init; }
    public required string KindResponse { get; init; }
    public required string KindVictory { get; init; }
    public required string UnsubscribeHeading { get; init; }
    public required string UnsubscribeText { get; init; }
    public required string UnsubscribeButton { get; init; }
    public required string Unsubscribed { get; init; }
    public required string UnsubscribedText { get; init; }

    /// <summary>
    /// Messages by the stable code of a <see cref="FieldError"/> or a rejected receipt; <c>{label}</c> is the field's
    /// label in lower case. Empty for English, whose messages come from <see cref="SignatureRules"/> as they are.
    /// Embed/embed.js holds the same table for the widget, so both say the same thing.
    /// </summary>
    public required FrozenDictionary<string, string> Codes { get; init; }

    public static readonly PageStrings English = new()
    {
        Lang = "en",
        Culture = CultureInfo.GetCultureInfo("en-US"),
        PetitionTo = "Petition to {0}",
        Progress = "{0} of {1} signatures",
        ProgressLabel = "Signatures so far, toward the next milestone",
        Jump = "Sign this petition",
        Letter = "The letter",
        Won = "This petition won",
        Closed = "This petition is closed",
        ClosedText = "It is no longer collecting signatures. Thank you to everyone who signed.",
        CheckTitle = "Check your signature: {0}",
        FormHeading = "Sign the petition",
        OneError = "One field needs another look",
        Errors = "{0} fields need another look",
        NotRecorded = "Your signature is not recorded yet. Fix these and send it again:",
        FirstName = "First name",
        LastName = "Last name",
        Email = "Email",
        PostalCode = "ZIP code",
        State = "State",
        City = "City",
        Comment = "Comment",
        Optional = "(optional)",
        Choose = "Choose\u2026",
        Honeypot = "Leave this field empty",
        OptIn = "Email me updates about this campaign",
        Private = "Count my signature, but don't send my name to the target",
        PrivateChosen = "As you asked, your signature counts, but your name, city and comment will not be sent to the target.",
        Submit = "Sign the petition",
        Thanks = "Thank you for signing",
        Supporter = "You are supporter <strong>#{0}</strong> of \u201C{1}\u201D.",
        Duplicate = "You have already signed",
        DuplicateText = "We count each person once, and your earlier signature on \u201C{0}\u201D is counted.",
        Rejected = "Your signature was not counted",
        RejectedFallback = "It did not pass our checks.",
        SignAgain = "Sign again",
        Poisoned = "We could not count your signature",
        PoisonedText = "A problem on our side stopped it from being counted. Please <a href=\"{0}\">sign again</a> later.",
        CheckEmail = "Check your email",
        CheckEmailText = "We sent you a link to confirm your signature on \u201C{0}\u201D. It counts once you confirm.",
        Counting = "Your signature on \u201C{0}\u201D is being counted.",
        Slow = "It is taking longer than usual, but it will be counted.",
        CheckAgain = "Check again",
        Back = "Back to the petition",
        Receipt = "Your receipt:",
        ShareHeading = "Ask your friends to sign",
        ShareText = "Every signature your link brings counts toward this petition.",
        ShareCopy = "Your link to share",
        ShareEmail = "Email",
        ShareMessage = "I signed \u201C{0}\u201D. Will you sign too?",
        ShareSubject = "Will you sign \u201C{0}\u201D?",
        NotFound = "Petition not found",
        NotFoundText = "There is no petition at this address. Check the link.",
        TryAgain = "Please try again",
        TryAgainText = "We could not record your signature just now. Nothing was saved; go back and send the form again in a moment.",
        ThisPetition = "this petition",
        ConfirmHeading = "Confirm your signature",
        ConfirmText = "Press the button to confirm your signature on \u201C{0}\u201D.",
        ConfirmButton = "Confirm my signature",
        RemoveHeading = "Remove your signature",
        RemoveText = "Press the button to remove your signature from \u201C{0}\u201D and delete your name, email address, address and comment. This cannot be undone.",
        RemoveButton = "Remove my signature",
        Confirmed = "Thank you: your signature is confirmed",
        ConfirmedText = "Your signature on \u201C{0}\u201D is counted.",
        AlreadyConfirmed = "Already confirmed",
        AlreadyConfirmedText = "Your signature on \u201C{0}\u201D was already confirmed. Nothing else to do.",
        ConfirmedHeld = "Your address is confirmed; your signature is under review",
        ConfirmedHeldText = "Your signature on \u201C{0}\u201D is held for review by the petition's organizers and does not count for now. Nothing else to do.",
        Removed = "Your signature is removed",
        RemovedText = "We removed your signature and deleted your details.",
        AlreadyRemoved = "Already removed",
        AlreadyRemovedText = "This signature was removed earlier, and its details deleted.",
        LinkExpired = "This link has expired",
        ConfirmExpiredText = "Confirmation links work for a limited time. We can send you a fresh one.",
        ResendButton = "Email me a fresh link",
        RemoveExpiredText = "Write to the petition's organizers to have your signature removed.",
        ResendSentText = "We sent a fresh confirmation link to the address you signed with.",
        ResendLimited = "We sent one recently",
        ResendLimitedText = "Please look for our most recent email (and in your spam folder) before asking again.",
        BadLink = "This link does not work",
        BadLinkText = "Copy the whole link from the email, or sign the petition again.",
        UpdatesHeading = "Updates",
        ResponseHeading = "{0} responded on {1}",
        KindUpdate = "Update",
        KindResponse = "Response",
        KindVictory = "Victory",
        UnsubscribeHeading = "Stop updates about this petition?",
        UnsubscribeText = "You signed \u201C{0}\u201D. Press the button and you will get no more updates about it. Your signature still counts.",
        UnsubscribeButton = "Unsubscribe",
        Unsubscribed = "You are unsubscribed",
        UnsubscribedText = "You will get no more updates about \u201C{0}\u201D. Your signature still counts.",
        Codes = FrozenDictionary<string, string>.Empty,
    };

    public static readonly PageStrings Spanish = new()
    {
        Lang = "es",
        Culture = CultureInfo.GetCultureInfo("es-US"),
        PetitionTo = "Petición dirigida a {0}",
        Progress = "{0} de {1} firmas",
        ProgressLabel = "Firmas hasta ahora, hacia la próxima meta",
        Jump = "Firma esta petición",
        Letter = "La carta",
        Won = "Esta petición ganó",
        Closed = "Esta petición está cerrada",
        ClosedText = "Ya no recoge firmas. Gracias a todas las personas que firmaron.",
        CheckTitle = "Revisa tu firma: {0}",
        FormHeading = "Firma la petición",
        OneError = "Un campo necesita revisión",
        Errors = "{0} campos necesitan revisión",
        NotRecorded = "Tu firma todavía no está registrada. Corrige lo siguiente y vuelve a enviarla:",
        FirstName = "Nombre",
        LastName = "Apellido",
        Email = "Correo electrónico",
        // Without the widget's "(ZIP)": in the form's two-column row a longer label wraps and drops the box below the state's.
        PostalCode = "Código postal",
        State = "Estado",
        City = "Ciudad",
        Comment = "Comentario",
        Optional = "(opcional)",
        Choose = "Elige\u2026",
        Honeypot = "Deja este campo vacío",
        OptIn = "Quiero recibir novedades de esta campaña por correo",
        Private = "Cuenten mi firma, pero no envíen mi nombre al destinatario",
        PrivateChosen = "Como pediste, tu firma cuenta, pero tu nombre, tu ciudad y tu comentario no se enviarán al destinatario.",
        Submit = "Firmar la petición",
        Thanks = "Gracias por firmar",
        Supporter = "Eres la persona firmante <strong>n.º {0}</strong> de «{1}».",
        Duplicate = "Ya firmaste esta petición",
        DuplicateText = "Contamos a cada persona una sola vez, y tu firma anterior en «{0}» ya está contada.",
        Rejected = "Tu firma no fue contada",
        RejectedFallback = "No pasó nuestras verificaciones.",
        SignAgain = "Firmar de nuevo",
        Poisoned = "No pudimos contar tu firma",
        PoisonedText = "Un problema de nuestra parte impidió contarla. Por favor, <a href=\"{0}\">vuelve a firmar</a> más tarde.",
        CheckEmail = "Revisa tu correo",
        CheckEmailText = "Te enviamos un enlace para confirmar tu firma en «{0}». Contará en cuanto la confirmes.",
        Counting = "Estamos contando tu firma en «{0}».",
        Slow = "Está tardando más de lo normal, pero se contará.",
        CheckAgain = "Volver a comprobar",
        Back = "Volver a la petición",
        Receipt = "Tu comprobante:",
        ShareHeading = "Pide a tus amistades que firmen",
        ShareText = "Cada firma que llegue por tu enlace suma para esta petición.",
        ShareCopy = "Tu enlace para compartir",
        ShareEmail = "Correo",
        ShareMessage = "Firmé «{0}». ¿Firmas tú también?",
        ShareSubject = "¿Firmarías «{0}»?",
        NotFound = "Petición no encontrada",
        NotFoundText = "No hay ninguna petición en esta dirección. Revisa el enlace.",
        TryAgain = "Inténtalo de nuevo",
        TryAgainText = "No pudimos registrar tu firma en este momento. No se guardó nada; vuelve atrás y envía el formulario de nuevo en un momento.",
        ThisPetition = "esta petición",
        ConfirmHeading = "Confirma tu firma",
        ConfirmText = "Presiona el botón para confirmar tu firma en «{0}».",
        ConfirmButton = "Confirmar mi firma",
        RemoveHeading = "Elimina tu firma",
        RemoveText = "Presiona el botón para eliminar tu firma de «{0}» y borrar tu nombre, correo electrónico, dirección y comentario. No se puede deshacer.",
        RemoveButton = "Eliminar mi firma",
        Confirmed = "Gracias: tu firma está confirmada",
        ConfirmedText = "Tu firma en «{0}» ya cuenta.",
        AlreadyConfirmed = "Ya estaba confirmada",
        AlreadyConfirmedText = "Tu firma en «{0}» ya estaba confirmada. No tienes que hacer nada más.",
        ConfirmedHeld = "Tu dirección está confirmada; tu firma está en revisión",
        ConfirmedHeldText = "Tu firma en «{0}» está retenida para que la revisen los organizadores de la petición y por ahora no cuenta. No tienes que hacer nada más.",
        Removed = "Tu firma fue eliminada",
        RemovedText = "Eliminamos tu firma y borramos tus datos.",
        AlreadyRemoved = "Ya estaba eliminada",
        AlreadyRemovedText = "Esta firma se eliminó antes, y sus datos se borraron.",
        LinkExpired = "Este enlace ya venció",
        ConfirmExpiredText = "Los enlaces de confirmación funcionan por un tiempo limitado. Podemos enviarte uno nuevo.",
        ResendButton = "Envíame un enlace nuevo",
        RemoveExpiredText = "Escribe a quienes organizan la petición para que eliminen tu firma.",
        ResendSentText = "Enviamos un enlace de confirmación nuevo al correo con el que firmaste.",
        ResendLimited = "Te enviamos uno hace poco",
        ResendLimitedText = "Busca nuestro correo más reciente (revisa también la carpeta de spam) antes de pedir otro.",
        BadLink = "Este enlace no funciona",
        BadLinkText = "Copia el enlace completo del correo, o vuelve a firmar la petición.",
        UpdatesHeading = "Novedades",
        ResponseHeading = "{0} respondió el {1}",
        KindUpdate = "Novedad",
        KindResponse = "Respuesta",
        KindVictory = "Victoria",
        UnsubscribeHeading = "¿Dejar de recibir novedades de esta petición?",
        UnsubscribeText = "Firmaste «{0}». Presiona el botón y no recibirás más novedades sobre ella. Tu firma sigue contando.",
        UnsubscribeButton = "Darme de baja",
        Unsubscribed = "Te diste de baja",
        UnsubscribedText = "No recibirás más novedades sobre «{0}». Tu firma sigue contando.",
        Codes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ReasonCodes.NameRequired] = "Escribe tu {label}.",
            [ReasonCodes.NameTooLong] = "Tu {label} es demasiado largo.",
            [ReasonCodes.NameContainsUrl] = "Tu {label} no puede contener una dirección web.",
            [ReasonCodes.NameContainsMarkup] = "Tu {label} no puede contener < ni >.",
            [ReasonCodes.NameFormulaPrefix] = "Tu {label} no puede empezar con =, +, -, @ ni símbolos parecidos.",
            [ReasonCodes.NameInvalidCharacters] = "Tu {label} contiene caracteres no válidos.",
            [ReasonCodes.EmailRequired] = "Escribe tu correo electrónico.",
            [ReasonCodes.EmailInvalid] = "Escribe un correo válido, como nombre@ejemplo.com.",
            [ReasonCodes.PostalCodeRequired] = "Escribe tu código postal.",
            [ReasonCodes.PostalCodeInvalid] = "Escribe un código postal de 5 dígitos, o ZIP+4 como 10001-1234.",
            [ReasonCodes.PostalCodeStateMismatch] = "Ese código postal no corresponde al estado. Revisa ambos.",
            [ReasonCodes.StateRequired] = "Elige tu estado.",
            [ReasonCodes.StateInvalid] = "Elige un estado o territorio de la lista.",
            [ReasonCodes.CountryUnsupported] = "Solo pueden firmar personas con dirección en EE. UU.",
            [ReasonCodes.CityTooLong] = "El nombre de la ciudad es demasiado largo.",
            [ReasonCodes.CityInvalid] = "Escribe el nombre de la ciudad solo con letras.",
            [ReasonCodes.CommentTooLong] = "Tu comentario es demasiado largo.",
            [ReasonCodes.CommentInvalidCharacters] = "Tu comentario contiene caracteres que no se pueden mostrar.",
            [ReasonCodes.SourceInvalid] = "El código de origen solo admite letras, números, '-', '_' y '.', hasta 64 caracteres.",
            [ReasonCodes.ReferrerInvalid] = "El código de quien te invitó no es válido; copia el enlace completo.",
            [ReasonCodes.PetitionNotFound] = "Esta petición no existe. Revisa el enlace.",
            [ReasonCodes.PetitionClosed] = "Esta petición ya no recoge firmas.",
            ["temporarily_unavailable"] = "No pudimos registrar tu firma ahora. No se guardó nada; inténtalo de nuevo en un momento.",
        }.ToFrozenDictionary(StringComparer.Ordinal),
    };

    /// <summary>The languages pages are offered in, by <see cref="Lang"/>. English is the fallback for anything else.</summary>
    public static readonly FrozenDictionary<string, PageStrings> All =
        new[] { English, Spanish }.ToFrozenDictionary(s => s.Lang, StringComparer.OrdinalIgnoreCase);

    public string Format(string template, params object?[] values) => string.Format(Culture, template, values);

    public string Number(long value) => value.ToString("N0", Culture);

    /// <summary>A field's label, for messages that name the field and for <c>{label}</c> in <see cref="Codes"/>.</summary>
    public string? LabelOf(string field) => field switch
    {
        "firstName" => FirstName,
        "lastName" => LastName,
        "email" => Email,
        "postalCode" => PostalCode,
        "state" => State,
        "city" => City,
        "comment" => Comment,
        _ => null,
    };

    /// <summary>Plain text (not yet HTML-encoded): the translation of a coded message, or the English message for a code this language lacks.</summary>
    public string Say(string? code, string? field, string? english)
    {
        if (code is null || !Codes.TryGetValue(code, out var text)) return english ?? "";
        // Lower case mid-sentence, as the English rules write "Enter your first name."
        var label = (field is null ? null : LabelOf(field))?.ToLower(Culture) ?? "";
        return text.Replace("{label}", label, StringComparison.Ordinal);
    }

    /// <summary>A language code's strings: "es", "ES" and "es-MX" are Spanish; null for anything not offered.</summary>
    public static PageStrings? Find(string? code) =>
        SignaturePipeline.Signatures.SignerLanguage.Normalize(code) is { } lang ? All.GetValueOrDefault(lang) : null;
}

/// <summary>
/// The language one page is shown in. <see cref="Carried"/> is the code its links, its form and the redirect after
/// the form must repeat, so the signer stays in that language; null where the next request would choose the same.
/// <see cref="Negotiated"/> says Accept-Language chose it, so a shared cache must keep one copy per header value.
/// </summary>
public sealed record PageLanguage(PageStrings Strings, string? Carried, bool Negotiated = false)
{
    public static readonly PageLanguage Default = new(PageStrings.English, null);

    /// <summary>
    /// In order: the <c>lang</c> query parameter, then a <c>lang</c> field posted with the form, then the first offered
    /// language in Accept-Language, else English. A <c>lang</c> the pages are not offered in means English: it was an
    /// explicit choice, and the browser's preference should not override a link the organizer picked.
    /// </summary>
    public static PageLanguage Of(HttpRequest request, string? postedLang = null)
    {
        var asked = request.Query.TryGetValue("lang", out var query) && !StringValues.IsNullOrEmpty(query) ? query.ToString()
            : !string.IsNullOrWhiteSpace(postedLang) ? postedLang
            : null;
        if (asked is not null)
        {
            var strings = PageStrings.Find(asked) ?? PageStrings.English;
            return new(strings, strings.Lang);
        }
        var preferred = FromAcceptLanguage(request);
        // A language the header chose is carried too, so the thank-you page matches the form even if a redirect or
        // an in-app browser drops the header; English, the fallback, needs no carrying.
        return new(preferred, preferred == PageStrings.English ? null : preferred.Lang, Negotiated: true);
    }

    private static PageStrings FromAcceptLanguage(HttpRequest request)
    {
        var accepted = request.GetTypedHeaders().AcceptLanguage;
        if (accepted is null) return PageStrings.English;
        // OrderBy is stable, so languages of equal quality keep the browser's order.
        foreach (var language in accepted.Where(a => (a.Quality ?? 1) > 0).OrderByDescending(a => a.Quality ?? 1))
            if (PageStrings.Find(language.Value.Value) is { } strings) return strings;
        return PageStrings.English;
    }

    /// <summary>The query parameter to append to a page link, or null.</summary>
    public string? Query => Carried is null ? null : "lang=" + Uri.EscapeDataString(Carried);
}
