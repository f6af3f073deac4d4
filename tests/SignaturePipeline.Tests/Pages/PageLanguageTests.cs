using SignaturePipeline.Web.Pages;
using static SignaturePipeline.Tests.Pages.PageRendering;

namespace SignaturePipeline.Tests.Pages;

public sealed class PageLanguageTests
{
    [Fact]
    public void Accept_Language_es_picks_Spanish_and_an_unknown_lang_falls_back_to_English()
    {
        var negotiated = PageLanguage.Of(Request(acceptLanguage: "es-MX,es;q=0.9,en;q=0.8"));
        Assert.Same(PageStrings.Spanish, negotiated.Strings);
        Assert.Equal("es", negotiated.Carried);

        Assert.Same(PageStrings.English, PageLanguage.Of(Request("?lang=fr")).Strings);
        // An explicit lang is the organizer's or the signer's choice; the browser's preference does not override it.
        Assert.Same(PageStrings.English, PageLanguage.Of(Request("?lang=fr", acceptLanguage: "es")).Strings);
        Assert.Same(PageStrings.English, PageLanguage.Of(Request()).Strings);
    }

    [Fact]
    public void The_lang_query_beats_the_posted_field_which_beats_Accept_Language()
    {
        Assert.Same(PageStrings.Spanish, PageLanguage.Of(Request("?lang=es", acceptLanguage: "en"), postedLang: "en").Strings);
        Assert.Same(PageStrings.English, PageLanguage.Of(Request("?lang=en", acceptLanguage: "es"), postedLang: "es").Strings);
        Assert.Same(PageStrings.Spanish, PageLanguage.Of(Request(acceptLanguage: "en"), postedLang: "es").Strings);
        Assert.Same(PageStrings.English, PageLanguage.Of(Request(acceptLanguage: "es"), postedLang: "en").Strings);
        // An empty parameter or field is no choice at all.
        Assert.Same(PageStrings.Spanish, PageLanguage.Of(Request("?lang=", acceptLanguage: "es"), postedLang: " ").Strings);
    }

    [Theory]
    [InlineData("es", "es")]
    [InlineData("ES", "es")]
    [InlineData("es-419", "es")]
    [InlineData("es_US", "es")]
    [InlineData("en-GB", "en")]
    [InlineData("fr", "en")]
    [InlineData("<script>", "en")]
    public void A_lang_parameter_is_read_by_its_primary_language(string lang, string shown)
    {
        var language = PageLanguage.Of(Request("?lang=" + Uri.EscapeDataString(lang)));
        Assert.Equal(shown, language.Strings.Lang);
        // Only an offered code is ever written back into links and the form.
        Assert.Equal(shown, language.Carried);
    }

    [Theory]
    [InlineData("fr-CA, es;q=0.5, en;q=0.4", "es")]
    [InlineData("fr, en;q=0.9, es;q=0.8", "en")]
    [InlineData("en;q=0.5, es;q=0.6", "es")]
    [InlineData("es;q=0, en", "en")]
    [InlineData("*", "en")]
    [InlineData("%%% not a header", "en")]
    [InlineData("", "en")]
    public void Accept_Language_picks_the_first_offered_language_by_quality(string header, string shown) =>
        Assert.Equal(shown, PageLanguage.Of(Request(acceptLanguage: header)).Strings.Lang);

    [Fact]
    public void English_chosen_by_default_adds_nothing_to_links_but_an_explicit_choice_is_carried()
    {
        Assert.Null(PageLanguage.Of(Request()).Carried);
        Assert.Null(PageLanguage.Of(Request(acceptLanguage: "en-US")).Carried);
        // A Spanish browser that followed an English link must stay in English after the form.
        Assert.Equal("en", PageLanguage.Of(Request("?lang=en", acceptLanguage: "es")).Carried);
    }

    [Fact]
    public void Only_a_language_the_header_chose_makes_the_page_vary_by_Accept_Language()
    {
        Assert.True(PageLanguage.Of(Request()).Negotiated);
        Assert.True(PageLanguage.Of(Request(acceptLanguage: "es")).Negotiated);
        Assert.False(PageLanguage.Of(Request("?lang=es")).Negotiated);
        Assert.False(PageLanguage.Of(Request(), postedLang: "es").Negotiated);
    }
}
