using System.Net;
using SignaturePipeline.Receipts;
using SignaturePipeline.Signatures;
using SignaturePipeline.Web.Pages;
using static SignaturePipeline.Tests.Pages.PageRendering;

namespace SignaturePipeline.Tests.Pages;

public sealed class PrivateChoicePageTests
{
    private static readonly PageLanguage Spanish = PageLanguage.Of(Request("?lang=es"));
    private static readonly PageLanguage English = PageLanguage.Of(Request());

    [Theory]
    [InlineData("en", "Count my signature, but don't send my name to the target")]
    [InlineData("es", "Cuenten mi firma, pero no envíen mi nombre al destinatario")]
    public async Task The_petition_page_offers_the_private_checkbox_in_its_language(string lang, string label)
    {
        var page = await RunAsync(PetitionPage.Render(Petition(), 3, lang == "es" ? Spanish : English));
        Assert.Contains("<input type=\"checkbox\" name=\"private\"><span>" + label + "</span>", WebUtility.HtmlDecode(page.Html), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_form_sent_back_with_errors_keeps_the_box_ticked()
    {
        var values = new SignatureInput { FirstName = "Ana", Private = true };
        var page = await RunAsync(PetitionPage.Render(Petition(), null, English, values, [new("email", "email_required", "Enter your email.")], 400));
        Assert.Contains("name=\"private\" checked", page.Html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("en", "As you asked, your signature counts, but your name, city and comment will not be sent to the target.")]
    [InlineData("es", "Como pediste, tu firma cuenta, pero tu nombre, tu ciudad y tu comentario no se enviarán al destinatario.")]
    public async Task The_thank_you_page_says_the_choice_back_where_the_signature_counts(string lang, string said)
    {
        var language = lang == "es" ? Spanish : English;
        var counted = new Receipt("r1", "stop-s-comm", ReceiptStatus.Counted, SupporterNumber: 7);
        var pending = new Receipt("r1", "stop-s-comm", ReceiptStatus.Pending);
        var duplicate = new Receipt("r1", "stop-s-comm", ReceiptStatus.Duplicate);

        Assert.Contains(said, WebUtility.HtmlDecode((await RunAsync(ThankYouPage.Render(Petition(), "r1", counted, 0, language, isPrivate: true))).Html), StringComparison.Ordinal);
        var refreshing = WebUtility.HtmlDecode((await RunAsync(ThankYouPage.Render(Petition(), "r1", pending, 0, language, isPrivate: true))).Html);
        Assert.Contains(said, refreshing, StringComparison.Ordinal);
        Assert.Contains("private=1", refreshing, StringComparison.Ordinal);
        Assert.DoesNotContain(said, WebUtility.HtmlDecode((await RunAsync(ThankYouPage.Render(Petition(), "r1", duplicate, 0, language, isPrivate: true))).Html), StringComparison.Ordinal);
        Assert.DoesNotContain(said, WebUtility.HtmlDecode((await RunAsync(ThankYouPage.Render(Petition(), "r1", counted, 0, language))).Html), StringComparison.Ordinal);
    }
}
