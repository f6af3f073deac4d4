using System.Net;
using System.Text.RegularExpressions;
using SignaturePipeline.Petitions;
using SignaturePipeline.Receipts;
using SignaturePipeline.Signatures;
using SignaturePipeline.Web.Pages;
using static SignaturePipeline.Tests.Pages.PageRendering;

namespace SignaturePipeline.Tests.Pages;

public sealed partial class ShareStepPageTests
{
    private static readonly ThankYouPage.Share Share = new("https://signatures.example.org/petitions/stop-s-comm", "abcdefghijklmnop");
    private static readonly PageLanguage English = PageLanguage.Of(Request());

    private static Task<Response> ThanksAsync(ReceiptStatus status, Petition? petition = null) =>
        RunAsync(ThankYouPage.Render(petition ?? Petition(), "r-1", new Receipt("r-1", "stop-s-comm", status, SupporterNumber: 7), 0, English, share: Share));

    [Fact]
    public async Task Every_share_link_on_the_thank_you_page_carries_the_signers_code_and_its_channel_as_plain_links()
    {
        var page = await ThanksAsync(ReceiptStatus.Counted);

        Assert.Contains("<h2 id=\"share-h\">Ask your friends to sign</h2>", page.Html);
        Assert.Contains("value=\"https://signatures.example.org/petitions/stop-s-comm?ref=abcdefghijklmnop&amp;source=share-link\"", page.Html);
        var links = Links().Matches(page.Html).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));
        Assert.Equal(["email", "whatsapp", "x", "facebook"], links.Keys);
        foreach (var (channel, href) in links)
            Assert.Contains(Uri.EscapeDataString($"https://signatures.example.org/petitions/stop-s-comm?ref=abcdefghijklmnop&source=share-{channel}"), href, StringComparison.Ordinal);
        Assert.StartsWith("mailto:?subject=Will%20you%20sign%20%E2%80%9CStop%20S-Comm%20%3Cnow%3E", links["email"], StringComparison.Ordinal);
        Assert.StartsWith("https://wa.me/?text=", links["whatsapp"], StringComparison.Ordinal);
        Assert.StartsWith("https://x.com/intent/tweet?text=", links["x"], StringComparison.Ordinal);
        Assert.StartsWith("https://www.facebook.com/sharer/sharer.php?u=", links["facebook"], StringComparison.Ordinal);
        // No script of ours or theirs: the page's policy forbids scripts, and the step needs none.
        Assert.DoesNotContain("<script", page.Html, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("default-src 'none';", page.Headers.ContentSecurityPolicy.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", page.Headers.ContentSecurityPolicy.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ReceiptStatus.Pending, true)]
    [InlineData(ReceiptStatus.PendingConfirmation, true)]
    [InlineData(ReceiptStatus.Duplicate, true)]
    [InlineData(ReceiptStatus.Rejected, false)]
    [InlineData(ReceiptStatus.Poisoned, false)]
    public async Task Sharing_is_offered_once_a_signature_is_accepted_and_never_after_a_refusal(ReceiptStatus status, bool offered)
    {
        Assert.Equal(offered, (await ThanksAsync(status)).Html.Contains("<ul class=\"share-links\">", StringComparison.Ordinal));
        Assert.DoesNotContain("<ul class=\"share-links\">", (await ThanksAsync(status, Petition(PetitionStatus.Closed))).Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_petition_page_carries_the_source_and_referral_code_of_its_address_and_drops_values_that_break_the_rules()
    {
        var from = new SignatureInput { Sources = new SignatureSources { Source = "Share WhatsApp", Referrer = "abcdefghijklmnop", UtmMedium = "<script>" } };
        var page = await RunAsync(PetitionPage.Render(Petition(), 3, English, from));

        Assert.Contains("<input type=\"hidden\" name=\"source\" value=\"share-whatsapp\">", page.Html);
        Assert.Contains("<input type=\"hidden\" name=\"referrer\" value=\"abcdefghijklmnop\">", page.Html);
        Assert.DoesNotContain("utm_medium", page.Html, StringComparison.Ordinal);
    }

    [GeneratedRegex("<a data-channel=\"([a-z]+)\" href=\"([^\"]+)\"")]
    private static partial Regex Links();
}
