using System.Text;
using System.Text.RegularExpressions;
using SignaturePipeline.Confirmation;
using SignaturePipeline.Intake;
using SignaturePipeline.Signatures;
using SignaturePipeline.Web.Intake;
using static SignaturePipeline.Tests.Pages.PageRendering;

namespace SignaturePipeline.Tests.Confirmation;

public sealed partial class SignerEmailTests
{
    private static readonly Uri ConfirmLink = new("https://sign.example.org/petitions/stop-s-comm/confirm?token=abc.def");
    private static readonly Uri RemoveLink = new("https://sign.example.org/petitions/stop-s-comm/remove?token=ghi.jkl");

    [Fact]
    public void A_Spanish_confirmation_email_is_in_Spanish_and_its_link_opens_the_Spanish_page()
    {
        var mail = SignerEmails.Confirm(Petition(), "rosa@example.org", ConfirmLink, RemoveLink, TimeSpan.FromHours(72), "es");

        Assert.Equal("Confirma tu firma: Stop S-Comm <now> & \"forever\"", mail.Subject);
        Assert.Contains("Gracias por firmar «Stop S-Comm <now> & \"forever\"».", mail.Text, StringComparison.Ordinal);
        Assert.Contains("El enlace funciona durante 3 días.", mail.Text, StringComparison.Ordinal);
        Assert.Contains("Confirmar mi firma: https://sign.example.org/petitions/stop-s-comm/confirm?token=abc.def&lang=es", mail.Text, StringComparison.Ordinal);
        Assert.Contains("Elimina tu firma y tus datos: https://sign.example.org/petitions/stop-s-comm/remove?token=ghi.jkl&lang=es", mail.Text, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"es\">", mail.Html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://sign.example.org/petitions/stop-s-comm/confirm?token=abc.def&amp;lang=es\"", mail.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("Confirm my signature", mail.Text + mail.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("Thank you", mail.Text + mail.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Spanish_already_signed_email_is_in_Spanish_with_Spanish_links()
    {
        var mail = SignerEmails.AlreadySigned(Petition(), "rosa@example.org", ConfirmLink, RemoveLink, "es");

        Assert.StartsWith("Ya firmaste: ", mail.Subject, StringComparison.Ordinal);
        Assert.Contains("Alguien, probablemente tú, volvió a firmar «", mail.Text, StringComparison.Ordinal);
        Assert.Contains("Si no fuiste tú, no tienes que hacer nada.", mail.Text, StringComparison.Ordinal);
        Assert.Contains("/confirm?token=abc.def&lang=es", mail.Text, StringComparison.Ordinal);
        Assert.Contains("/remove?token=ghi.jkl&lang=es", mail.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fr")]
    [InlineData("xx-YY")]
    [InlineData("<script>")]
    public void An_unknown_lang_is_dropped_and_the_email_is_in_English(string lang)
    {
        Assert.Null(SignerLanguage.Normalize(lang));
        Assert.Null(FormValues.ToInput(name => name == "lang" ? lang : null).Lang);
        Assert.True(SignatureJson.TryParse(Encoding.UTF8.GetBytes($$"""{"email":"a@example.org","lang":"{{lang}}"}"""), out var input, out _));
        Assert.Null(input.Lang);

        var mail = SignerEmails.Confirm(Petition(), "a@example.org", ConfirmLink, RemoveLink, TimeSpan.FromHours(72), input.Lang);
        Assert.StartsWith("Confirm your signature: ", mail.Subject, StringComparison.Ordinal);
        Assert.Contains("The link works for 3 days.", mail.Text, StringComparison.Ordinal);
        // English is the pages' fallback: its links stay exactly as they were.
        Assert.Contains("Confirm my signature: " + ConfirmLink.AbsoluteUri + "\n", mail.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("lang=", mail.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("&amp;lang=", mail.Html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("es", "es")]
    [InlineData("ES", "es")]
    [InlineData(" es-MX ", "es")]
    [InlineData("es_US", "es")]
    [InlineData("en", "en")]
    [InlineData("en-GB", "en")]
    [InlineData("", null)]
    [InlineData(null, null)]
    [InlineData("spanish", null)]
    public void Lang_is_kept_only_for_the_languages_signer_texts_are_written_in(string? asked, string? kept)
    {
        Assert.Equal(kept, SignerLanguage.Normalize(asked));
        Assert.Equal(kept, FormValues.ToInput(name => name == "lang" ? asked : null).Lang);
    }

    [Fact]
    public void A_lang_of_the_wrong_type_falls_back_to_English_and_never_refuses_the_signature()
    {
        Assert.True(SignatureJson.TryParse("""{"email":"a@example.org","lang":["es"]}"""u8.ToArray(), out var input, out var error));
        Assert.Null(error);
        Assert.Null(input.Lang);
        Assert.True(SignatureJson.TryParse("""{"person":{"given_name":"Ana"},"lang":"es"}"""u8.ToArray(), out var osdi, out _));
        Assert.Equal("es", osdi.Lang);
    }

    [Fact]
    public void A_message_without_the_lang_field_still_parses_and_means_English()
    {
        // As intake wrote it before the language travelled: same schema, no "lang".
        const string old = """
            {"schema":1,"items":[{"receiptId":"r1","petitionId":"p1","receivedAt":"2026-01-02T03:04:05+00:00",
              "signature":{"firstName":"Ana","lastName":"Li","email":"a@example.org","postalCode":"10001","state":"NY","optIn":false}}]}
            """;
        var item = Assert.Single(SignatureMessage.Parse(old).Items);
        Assert.Null(item.Signature.Lang);
        Assert.StartsWith("Confirm your signature", SignerEmails.Confirm(Petition(), "a@example.org", ConfirmLink, RemoveLink, TimeSpan.FromHours(72), item.Signature.Lang).Subject, StringComparison.Ordinal);
    }

    [Fact]
    public void A_queued_lang_travels_in_the_message_and_an_English_default_adds_nothing()
    {
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var spanish = new SignatureMessage(SignatureMessage.CurrentSchema, [new QueuedSignature("r1", "p1", at, new SignatureInput { Email = "a@example.org", Lang = "es" })]);
        Assert.Equal("es", Assert.Single(SignatureMessage.Parse(spanish.Serialize()).Items).Signature.Lang);

        var english = new SignatureMessage(SignatureMessage.CurrentSchema, [new QueuedSignature("r1", "p1", at, new SignatureInput { Email = "a@example.org" })]);
        Assert.DoesNotContain("lang", english.Serialize(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("es")]
    public void A_script_in_the_title_stays_inert_in_the_HTML_part_in_every_language(string? lang)
    {
        var petition = Petition() with { Title = "<script>alert('x')</script> & more" };
        foreach (var mail in new[]
        {
            SignerEmails.Confirm(petition, "a@example.org", ConfirmLink, RemoveLink, TimeSpan.FromHours(24), lang),
            SignerEmails.AlreadySigned(petition, "a@example.org", ConfirmLink, RemoveLink, lang),
        })
        {
            Assert.DoesNotContain("<script", mail.Html, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more", mail.Html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_language_fills_every_sentence_with_the_placeholders_the_English_has()
    {
        var sentences = typeof(SignerEmailStrings).GetProperties().Where(p => p.PropertyType == typeof(string)).ToList();
        Assert.Contains(SignerEmailStrings.Spanish, SignerEmailStrings.All.Values);
        foreach (var language in SignerEmailStrings.All.Values)
            foreach (var property in sentences)
            {
                var text = (string)property.GetValue(language)!;
                var english = (string)property.GetValue(SignerEmailStrings.English)!;
                Assert.False(string.IsNullOrWhiteSpace(text), $"{language.Lang}.{property.Name}");
                Assert.Equal(Placeholders(english), Placeholders(text));
            }

        static string[] Placeholders(string text) => [.. Placeholder().Matches(text).Select(m => m.Value).Order(StringComparer.Ordinal)];
    }

    [GeneratedRegex(@"\{\d+\}")]
    private static partial Regex Placeholder();
}
