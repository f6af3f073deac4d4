using Microsoft.AspNetCore.Http;
using SignaturePipeline.Web.Pages;
using static SignaturePipeline.Tests.Pages.PageRendering;

namespace SignaturePipeline.Tests.Pages;

/// <summary>What a browser is told about our pages: never in a frame, forms only to us, https remembered.</summary>
public sealed class PageSecurityHeadersTests
{
    private static readonly PageLanguage English = PageLanguage.Of(Request());

    private static async Task<IHeaderDictionary> HeadersAsync(IResult page, bool https)
    {
        var context = new DefaultHttpContext();
        context.Request.Scheme = https ? "https" : "http";
        context.Response.Body = new MemoryStream();
        await page.ExecuteAsync(context);
        return context.Response.Headers;
    }

    [Fact]
    public async Task No_page_can_be_framed_and_its_forms_post_only_to_the_app()
    {
        var policy = (await HeadersAsync(PetitionPage.Render(Petition(), 12, English), https: true)).ContentSecurityPolicy.ToString();
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.EndsWith("form-action 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_petition_with_its_own_thank_you_page_lets_the_form_be_redirected_there_and_nowhere_else()
    {
        var petition = Petition() with { ThankYouUrl = "https://campaign.example.org/gracias?x=1" };
        var policy = (await HeadersAsync(PetitionPage.Render(petition, 12, English), https: true)).ContentSecurityPolicy.ToString();
        Assert.EndsWith("form-action 'self' https://campaign.example.org", policy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Over_https_a_page_tells_the_browser_to_keep_to_https()
    {
        var headers = await HeadersAsync(PetitionPage.Render(Petition(), 12, English), https: true);
        Assert.Equal("max-age=31536000", headers.StrictTransportSecurity.ToString());
    }

    [Fact]
    public async Task Over_plain_http_no_strict_transport_header_is_sent()
    {
        var headers = await HeadersAsync(PetitionPage.Render(Petition(), 12, English), https: false);
        Assert.False(headers.ContainsKey("Strict-Transport-Security"));
    }
}
