using SignaturePipeline.Signatures;

namespace SignaturePipeline.Tests.Signatures;

public sealed class SignatureSourcesTests
{
    private static (SignatureSources? Valid, List<FieldError> Errors) Check(SignatureSources input)
    {
        var errors = new List<FieldError>();
        return (SignatureSources.Validate(input, errors), errors);
    }

    [Theory]
    [InlineData("ndlon-email", "ndlon-email")]
    [InlineData("  Facebook ", "facebook")]
    [InlineData("Spring Push 2", "spring-push-2")]
    [InlineData("fb_ad.2", "fb_ad.2")]
    [InlineData("ＮＤＬＯＮ", "ndlon")]
    public void A_code_is_stored_lower_case_with_dashes_for_spaces(string posted, string stored)
    {
        var (valid, errors) = Check(new SignatureSources { Source = posted, UtmCampaign = posted });
        Assert.Empty(errors);
        Assert.Equal(stored, valid!.Source);
        Assert.Equal(stored, valid.UtmCampaign);
    }

    [Theory]
    [InlineData("<b>bold</b>")]
    [InlineData("=cmd|' /C calc'!A0")]
    [InlineData("-leading-dash")]
    [InlineData("emoji-🙂")]
    [InlineData("a/b")]
    [InlineData("x\u0000y")]
    public void Markup_formulas_and_other_characters_are_a_field_error(string posted)
    {
        var (valid, errors) = Check(new SignatureSources { UtmMedium = posted });
        Assert.Null(valid);
        var error = Assert.Single(errors);
        Assert.Equal(("utm_medium", ReasonCodes.SourceInvalid), (error.Field, error.Code));
    }

    [Fact]
    public void A_code_is_at_most_64_characters()
    {
        Assert.Empty(Check(new SignatureSources { Source = new string('a', 64) }).Errors);
        Assert.Equal("source", Assert.Single(Check(new SignatureSources { Source = new string('a', 65) }).Errors).Field);
    }

    [Fact]
    public void A_referrer_must_have_the_shape_of_a_referral_code_and_a_website_is_kept_as_its_host()
    {
        var (valid, errors) = Check(new SignatureSources { Referrer = "ABCDEFGHIJKLMNOP", Website = "https://WWW.Example.org/path?q=1" });
        Assert.Empty(errors);
        Assert.Equal(("abcdefghijklmnop", "www.example.org"), (valid!.Referrer, valid.Website));
        Assert.Equal(ReasonCodes.ReferrerInvalid, Assert.Single(Check(new SignatureSources { Referrer = "abc" }).Errors).Code);
        Assert.Equal("website", Assert.Single(Check(new SignatureSources { Website = "javascript:alert(1)" }).Errors).Field);
    }

    [Fact]
    public void Empty_values_are_no_sources_at_all()
    {
        Assert.Equal((null, 0), (Check(new SignatureSources { Source = " ", Referrer = "" }).Valid, Check(new SignatureSources()).Errors.Count));
    }

    [Fact]
    public void A_referrer_code_that_was_not_issued_is_dropped_and_the_rest_kept()
    {
        var sources = new SignatureSources { Source = "x", Referrer = "abcdefghijklmnop" };
        Assert.Equal(new SignatureSources { Source = "x" }, sources.KeepingIssuedReferrer(_ => false));
        Assert.Same(sources, sources.KeepingIssuedReferrer(_ => true));
        Assert.Null(new SignatureSources { Referrer = "abcdefghijklmnop" }.KeepingIssuedReferrer(_ => false));
    }
}
