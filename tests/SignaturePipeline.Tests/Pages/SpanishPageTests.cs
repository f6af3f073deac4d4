using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using SignaturePipeline.Petitions;
using SignaturePipeline.Receipts;
using SignaturePipeline.Signatures;
using SignaturePipeline.Web.Pages;
using static SignaturePipeline.Tests.Pages.PageRendering;
using static SignaturePipeline.Web.Http.HtmlPages;

namespace SignaturePipeline.Tests.Pages;

public sealed partial class SpanishPageTests
{
    private static readonly PageLanguage Spanish = PageLanguage.Of(Request("?lang=es"));
    private static readonly PageLanguage English = PageLanguage.Of(Request());

    private static SignatureInput Signer() => new()
    {
        FirstName = "Rosa", LastName = "Martínez", Email = "rosa@example.org", PostalCode = "11201", State = "NY",
        City = "Brooklyn", Comment = "Familias <unidas> & \"juntas\"", OptIn = true,
    };

    [Fact]
    public async Task The_petition_page_in_Spanish_labels_every_field_and_sets_html_lang_es()
    {
        var page = await RunAsync(PetitionPage.Render(Petition(), 3, Spanish));

        Assert.Equal(StatusCodes.Status200OK, page.Status);
        Assert.Contains("<html lang=\"es\">", page.Html);
        Assert.Contains("Petición dirigida a Gov. Andrew Cuomo", page.Html);
        Assert.Contains("<p class=\"count\"><b>3</b> de 100 firmas</p>", page.Html);
        Assert.Contains("aria-label=\"Firmas hasta ahora, hacia la próxima meta\" aria-valuetext=\"3 de 100 firmas\"", page.Html);
        Assert.Contains("<h2>La carta</h2>", page.Html);
        foreach (var (field, label) in new[]
        {
            ("firstName", "Nombre"), ("lastName", "Apellido"), ("email", "Correo electrónico"), ("postalCode", "Código postal"),
            ("state", "Estado"), ("city", "Ciudad <span class=\"opt\">(opcional)</span>"), ("comment", "Comentario <span class=\"opt\">(opcional)</span>"),
        })
            Assert.Contains($"<label for=\"f-{field}\">{label}</label>", page.Html);
        Assert.Contains("<option value=\"\">Elige…</option>", page.Html);
        // State names are proper nouns and stay as they are.
        Assert.Contains("<option value=\"NY\">New York</option>", page.Html);
        Assert.Contains("<span>Quiero recibir novedades de esta campaña por correo</span>", page.Html);
        Assert.Contains("<label for=\"f-website\">Deja este campo vacío</label>", page.Html);
        Assert.Contains("<button type=\"submit\">Firmar la petición</button>", page.Html);
        Assert.Contains("<input type=\"hidden\" name=\"lang\" value=\"es\">", page.Html);
        Assert.DoesNotContain("Sign the petition", page.Html);
        Assert.DoesNotContain("Email me", page.Html);
        // The organizer's text is still encoded, in every language.
        Assert.Contains("<h1>Stop S-Comm &lt;now&gt; &amp; &quot;forever&quot;</h1>", page.Html);
    }

    [Fact]
    public async Task The_English_page_keeps_its_wording_and_adds_no_lang_field()
    {
        var page = await RunAsync(PetitionPage.Render(Petition(), 3, English));

        Assert.Contains("<html lang=\"en\">", page.Html);
        Assert.Contains("Petition to Gov. Andrew Cuomo", page.Html);
        Assert.Contains("<p class=\"count\"><b>3</b> of 100 signatures</p>", page.Html);
        Assert.Contains("<label for=\"f-postalCode\">ZIP code</label>", page.Html);
        Assert.Contains("<option value=\"\">Choose…</option>", page.Html);
        Assert.Contains("<button type=\"submit\">Sign the petition</button>", page.Html);
        Assert.DoesNotContain("name=\"lang\"", page.Html);
    }

    [Fact]
    public async Task Spanish_numbers_are_written_the_es_US_way_as_the_widget_writes_them()
    {
        var page = await RunAsync(PetitionPage.Render(Petition(), 1234, Spanish));
        Assert.Contains("<b>1,234</b> de 2,500 firmas", page.Html);
    }

    [Fact]
    public async Task A_page_chosen_by_Accept_Language_tells_caches_it_varies_by_it()
    {
        var negotiated = await RunAsync(PetitionPage.Render(Petition(), 3, PageLanguage.Of(Request(acceptLanguage: "es"))));
        Assert.Equal("Accept-Language", negotiated.Headers.Vary.ToString());
        Assert.Contains("<html lang=\"es\">", negotiated.Html);

        var chosen = await RunAsync(PetitionPage.Render(Petition(), 3, Spanish));
        Assert.Equal("", chosen.Headers.Vary.ToString());
    }

    [Fact]
    public async Task A_rejected_Spanish_post_shows_each_error_in_Spanish_at_its_field_with_the_values_refilled()
    {
        var input = Signer() with { Email = "rosa@", LastName = "=SUMA(1)" };
        var errors = SignatureRules.Validate(input, out _);
        var page = await RunAsync(PetitionPage.Render(Petition(), null, PageLanguage.Of(Request(), postedLang: "es"), input, errors, StatusCodes.Status400BadRequest));

        Assert.Equal(StatusCodes.Status400BadRequest, page.Status);
        Assert.Contains("<html lang=\"es\">", page.Html);
        Assert.Contains("<title>Revisa tu firma: ", page.Html);
        Assert.Contains("<h2>2 campos necesitan revisión</h2>", page.Html);
        Assert.Contains("Tu firma todavía no está registrada.", page.Html);
        // Messages are encoded like any text that can carry a signer's words, so accents arrive as character references.
        Assert.Contains($"<p class=\"err\" id=\"err-email\">{Encode("Escribe un correo válido, como nombre@ejemplo.com.")}</p>", page.Html);
        Assert.Contains($"<p class=\"err\" id=\"err-lastName\">{Encode("Tu apellido no puede empezar con =, +, -, @ ni símbolos parecidos.")}</p>", page.Html);
        Assert.Contains($"<li><a href=\"#f-email\">{Encode("Escribe un correo válido, como nombre@ejemplo.com.")}</a></li>", page.Html);
        Assert.DoesNotContain("Enter a valid email", page.Html);

        Assert.Contains("value=\"rosa@\"", page.Html);
        Assert.Contains("value=\"=SUMA(1)\"", page.Html);
        Assert.Contains("value=\"Rosa\"", page.Html);
        Assert.Contains(">Familias &lt;unidas&gt; &amp; &quot;juntas&quot;</textarea>", page.Html);
        Assert.Contains("<option value=\"NY\" selected>", page.Html);
        Assert.Contains("name=\"optIn\" checked", page.Html);
        Assert.Contains("<input type=\"hidden\" name=\"lang\" value=\"es\">", page.Html);
    }

    [Fact]
    public async Task An_error_code_Spanish_does_not_know_keeps_its_English_message()
    {
        FieldError[] errors = [new("email", "email_blocked_domain", "That email <domain> cannot sign.")];
        var page = await RunAsync(PetitionPage.Render(Petition(), null, Spanish, Signer(), errors, StatusCodes.Status400BadRequest));

        Assert.Contains("<h2>Un campo necesita revisión</h2>", page.Html);
        Assert.Contains("<p class=\"err\" id=\"err-email\">That email &lt;domain&gt; cannot sign.</p>", page.Html);
    }

    [Fact]
    public async Task A_closed_petition_says_so_in_Spanish()
    {
        var page = await RunAsync(PetitionPage.Render(Petition(PetitionStatus.Won), 3, Spanish));
        Assert.Contains("<h2>Esta petición ganó</h2><p>Ya no recoge firmas.", page.Html);
        Assert.DoesNotContain("<form", page.Html);
    }

    [Fact]
    public async Task The_Spanish_thank_you_page_shows_the_supporter_number_and_keeps_lang_in_its_links()
    {
        var receipt = new Receipt("r-1", "stop-s-comm", ReceiptStatus.Counted, SupporterNumber: 1234);
        var page = await RunAsync(ThankYouPage.Render(Petition(), "r-1", receipt, 0, Spanish));

        Assert.Contains("<html lang=\"es\">", page.Html);
        Assert.Contains("<h1>Gracias por firmar</h1>", page.Html);
        Assert.Contains("<p>Eres la persona firmante <strong>n.º 1,234</strong> de «Stop S-Comm &lt;now&gt; &amp; &quot;forever&quot;».</p>", page.Html);
        Assert.Contains("<a href=\"/petitions/stop-s-comm?lang=es\">Volver a la petición</a>", page.Html);
        Assert.Contains("Tu comprobante: <code>r-1</code>", page.Html);
    }

    [Fact]
    public async Task While_pending_the_Spanish_thank_you_page_refreshes_to_itself_in_Spanish()
    {
        var pending = new Receipt("r 1", "stop-s-comm", ReceiptStatus.Pending);
        var page = await RunAsync(ThankYouPage.Render(Petition(), "r 1", pending, 2, Spanish));
        Assert.Contains("<meta http-equiv=\"refresh\" content=\"1;url=/petitions/stop-s-comm/thanks?receipt=r%201&amp;check=3&amp;lang=es\">", page.Html);
        Assert.Contains("Estamos contando tu firma en «", page.Html);

        var slow = await RunAsync(ThankYouPage.Render(Petition(), "r 1", pending, ThankYouPage.MaxChecks, Spanish));
        Assert.DoesNotContain("http-equiv=\"refresh\"", slow.Html);
        Assert.Contains("Está tardando más de lo normal, pero se contará. <a href=\"/petitions/stop-s-comm/thanks?receipt=r%201&amp;check=11&amp;lang=es\">Volver a comprobar</a>", slow.Html);
    }

    [Fact]
    public async Task A_rejected_receipt_is_explained_in_Spanish_by_its_code_or_in_English_when_the_code_is_new()
    {
        var known = new Receipt("r-1", "stop-s-comm", ReceiptStatus.Rejected, ReasonCodes.NameRequired, "firstName", "Enter your first name.");
        var page = await RunAsync(ThankYouPage.Render(Petition(), "r-1", known, 0, Spanish));
        Assert.Contains("<h1>Tu firma no fue contada</h1><p>Escribe tu nombre.</p>", page.Html);
        Assert.Contains("<a href=\"/petitions/stop-s-comm?lang=es#sign\">Firmar de nuevo</a>", page.Html);

        var closed = new Receipt("r-2", "stop-s-comm", ReceiptStatus.Rejected, "petition_closed", null, "This petition is no longer collecting signatures.");
        Assert.Contains($"<p>{Encode("Esta petición ya no recoge firmas.")}</p>", (await RunAsync(ThankYouPage.Render(Petition(), "r-2", closed, 0, Spanish))).Html);

        var unknown = new Receipt("r-3", "stop-s-comm", ReceiptStatus.Rejected, "some_new_rule", "email", "A <new> rule said no.");
        Assert.Contains("<p>A &lt;new&gt; rule said no.</p>", (await RunAsync(ThankYouPage.Render(Petition(), "r-3", unknown, 0, Spanish))).Html);
    }

    [Fact]
    public async Task The_English_thank_you_page_is_unchanged()
    {
        var receipt = new Receipt("r-1", "stop-s-comm", ReceiptStatus.Counted, SupporterNumber: 4);
        var page = await RunAsync(ThankYouPage.Render(Petition(), "r-1", receipt, 0, English));
        Assert.Contains("<html lang=\"en\">", page.Html);
        Assert.Contains("You are supporter <strong>#4</strong> of \u201CStop S-Comm &lt;now&gt;", page.Html);
        Assert.Contains("<a href=\"/petitions/stop-s-comm\">Back to the petition</a>", page.Html);
    }

    [Fact]
    public async Task A_missing_petition_is_reported_in_Spanish()
    {
        var page = await RunAsync(PageEndpoints.NotFound(Spanish));
        Assert.Equal(StatusCodes.Status404NotFound, page.Status);
        Assert.Contains("<html lang=\"es\">", page.Html);
        // Message pages encode their text, so accents arrive as character references.
        Assert.Contains($"<h1>{Encode("Petición no encontrada")}</h1><p>{Encode("No hay ninguna petición en esta dirección. Revisa el enlace.")}</p>", page.Html);
    }

    [Fact]
    public void Every_code_the_rules_can_give_has_a_Spanish_message()
    {
        var codes = typeof(ReasonCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetRawConstantValue()!).ToList();
        Assert.NotEmpty(codes);
        Assert.All(codes, code => Assert.True(PageStrings.Spanish.Codes.ContainsKey(code), code));
    }

    [Fact]
    public void The_pages_and_the_widget_say_the_same_thing_for_every_code()
    {
        using var stream = typeof(PageStrings).Assembly.GetManifestResourceStream("SignaturePipeline.Web.Embed.embed.js")!;
        var script = new StreamReader(stream).ReadToEnd();
        var es = script[script.IndexOf("es: {", StringComparison.Ordinal)..];
        var table = JsCodes().Match(es).Groups["body"].Value;
        var widget = JsEntry().Matches(table).ToDictionary(m => m.Groups["code"].Value, m => Regex.Unescape(m.Groups["text"].Value), StringComparer.Ordinal);

        Assert.NotEmpty(widget);
        Assert.Equal(widget.OrderBy(e => e.Key, StringComparer.Ordinal), PageStrings.Spanish.Codes.OrderBy(e => e.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void Every_language_fills_every_sentence_with_the_placeholders_the_English_has()
    {
        var sentences = typeof(PageStrings).GetProperties().Where(p => p.PropertyType == typeof(string)).ToList();
        foreach (var language in PageStrings.All.Values)
            foreach (var property in sentences)
            {
                var text = (string)property.GetValue(language)!;
                var english = (string)property.GetValue(PageStrings.English)!;
                Assert.False(string.IsNullOrWhiteSpace(text), $"{language.Lang}.{property.Name}");
                Assert.Equal(Placeholders(english), Placeholders(text));
            }

        static string[] Placeholders(string text) => [.. Placeholder().Matches(text).Select(m => m.Value).Order(StringComparer.Ordinal)];
    }

    [GeneratedRegex(@"codes: \{(?<body>.*?)\n\s*\}", RegexOptions.Singleline)]
    private static partial Regex JsCodes();

    [GeneratedRegex(@"(?<code>\w+): '(?<text>(?:[^'\\]|\\.)*)'")]
    private static partial Regex JsEntry();

    [GeneratedRegex(@"\{\d+\}")]
    private static partial Regex Placeholder();
}
