using SignaturePipeline.Signatures;

namespace SignaturePipeline.Tests.Signatures;

public sealed class SignatureRulesTests
{
    internal static SignatureInput Valid() => new()
    {
        FirstName = "Ana",
        LastName = "García",
        Email = "ana@example.org",
        PostalCode = "10001",
        State = "NY",
        City = "New York",
        Comment = "Families belong together.",
        OptIn = true,
    };

    private static string CodeOf(SignatureInput input)
    {
        var errors = SignatureRules.Validate(input, out var valid);
        Assert.Null(valid);
        return Assert.Single(errors).Code;
    }

    [Fact]
    public void A_complete_signature_passes_and_defaults_the_country_to_US()
    {
        var errors = SignatureRules.Validate(Valid(), out var valid);
        Assert.Empty(errors);
        Assert.Equal("US", valid!.Country);
        Assert.Equal("ana@example.org", valid.CanonicalEmail);
    }

    [Fact]
    public void Names_are_NFKC_normalized_trimmed_and_spaces_collapsed()
    {
        SignatureRules.Validate(Valid() with { FirstName = "  Ａｎａ \u00A0  María  " }, out var valid);
        Assert.Equal("Ana María", valid!.FirstName);
    }

    [Fact]
    public void Accented_and_non_Latin_names_are_kept() =>
        Assert.Empty(SignatureRules.Validate(Valid() with { FirstName = "Zoë", LastName = "李" }, out _));

    [Theory]
    [InlineData(null, ReasonCodes.NameRequired)]
    [InlineData("   ", ReasonCodes.NameRequired)]
    [InlineData("http://spam.example", ReasonCodes.NameContainsUrl)]
    [InlineData("Visit www.spam", ReasonCodes.NameContainsUrl)]
    [InlineData("buy at cheap-pills.com", ReasonCodes.NameContainsUrl)]
    [InlineData("<script>alert(1)</script>", ReasonCodes.NameContainsMarkup)]
    [InlineData("Ana <b>", ReasonCodes.NameContainsMarkup)]
    [InlineData("=HYPERLINK(\"x\")", ReasonCodes.NameFormulaPrefix)]
    [InlineData("+1234", ReasonCodes.NameFormulaPrefix)]
    [InlineData("-Ana", ReasonCodes.NameFormulaPrefix)]
    [InlineData("@Ana", ReasonCodes.NameFormulaPrefix)]
    [InlineData("Ana\u0000Null", ReasonCodes.NameInvalidCharacters)]
    [InlineData("Ana\u202Eevil", ReasonCodes.NameInvalidCharacters)]
    [InlineData("12345", ReasonCodes.NameInvalidCharacters)]
    public void Bad_first_names_are_rejected_with_a_reason(string? name, string code) =>
        Assert.Equal(code, CodeOf(Valid() with { FirstName = name }));

    [Fact]
    public void A_name_over_100_characters_is_too_long() =>
        Assert.Equal(ReasonCodes.NameTooLong, CodeOf(Valid() with { LastName = new string('a', 101) }));

    [Theory]
    [InlineData(null, ReasonCodes.EmailRequired)]
    [InlineData("not-an-email", ReasonCodes.EmailInvalid)]
    [InlineData("ana@localhost", ReasonCodes.EmailInvalid)]
    public void Bad_emails_are_rejected(string? email, string code) =>
        Assert.Equal(code, CodeOf(Valid() with { Email = email }));

    [Theory]
    [InlineData("1000")]
    [InlineData("100011")]
    [InlineData("ABCDE")]
    [InlineData("10001-12")]
    public void Zips_that_are_not_5_or_9_digits_are_rejected(string zip) =>
        Assert.Equal(ReasonCodes.PostalCodeInvalid, CodeOf(Valid() with { PostalCode = zip }));

    [Theory]
    [InlineData("100011234", "10001-1234")]
    [InlineData("10001-1234", "10001-1234")]
    [InlineData(" 10001 ", "10001")]
    public void Zip_plus_four_is_stored_with_a_hyphen(string zip, string expected)
    {
        SignatureRules.Validate(Valid() with { PostalCode = zip }, out var valid);
        Assert.Equal(expected, valid!.PostalCode);
    }

    [Theory]
    [InlineData("90210", "NY")]
    [InlineData("10001", "CA")]
    [InlineData("02139", "NY")]
    public void A_zip_from_another_state_is_rejected(string zip, string state) =>
        Assert.Equal(ReasonCodes.PostalCodeStateMismatch, CodeOf(Valid() with { PostalCode = zip, State = state }));

    [Theory]
    [InlineData("XX", ReasonCodes.StateInvalid)]
    [InlineData("New Yrok", ReasonCodes.StateInvalid)]
    [InlineData("", ReasonCodes.StateRequired)]
    public void States_outside_the_USPS_list_are_rejected(string state, string code)
    {
        var errors = SignatureRules.Validate(Valid() with { State = state }, out _);
        Assert.Contains(errors, e => e.Code == code);
    }

    [Theory]
    [InlineData("new york", "NY")]
    [InlineData("ny", "NY")]
    [InlineData("Puerto Rico", "PR")]
    public void States_are_accepted_by_code_or_name(string state, string code)
    {
        var zip = code == "PR" ? "00901" : "10001";
        Assert.Empty(SignatureRules.Validate(Valid() with { State = state, PostalCode = zip }, out var valid));
        Assert.Equal(code, valid!.State);
    }

    [Fact]
    public void A_country_other_than_the_US_is_rejected() =>
        Assert.Equal(ReasonCodes.CountryUnsupported, CodeOf(Valid() with { Country = "CA" }));

    [Fact]
    public void A_comment_over_1000_characters_is_rejected() =>
        Assert.Equal(ReasonCodes.CommentTooLong, CodeOf(Valid() with { Comment = new string('x', 1001) }));

    [Fact]
    public void A_comment_keeps_its_line_breaks() =>
        Assert.Equal("One\n\nTwo", SignatureRules.Validate(Valid() with { Comment = "One\r\n\r\n\r\n\r\nTwo  " }, out var v) is { Count: 0 } ? v!.Comment : null);

    [Fact]
    public void A_comment_with_a_null_byte_is_rejected() =>
        Assert.Equal(ReasonCodes.CommentInvalidCharacters, CodeOf(Valid() with { Comment = "hi\u0000there" }));

    [Fact]
    public void A_city_with_markup_is_rejected() =>
        Assert.Equal(ReasonCodes.CityInvalid, CodeOf(Valid() with { City = "<img src=x>" }));

    [Fact]
    public void Every_error_names_its_field_and_reads_as_a_sentence()
    {
        var errors = SignatureRules.Validate(new SignatureInput(), out _);
        Assert.Equal(["firstName", "lastName", "email", "state", "postalCode"], errors.Select(e => e.Field));
        Assert.All(errors, e => Assert.EndsWith(".", e.Message));
    }
}
