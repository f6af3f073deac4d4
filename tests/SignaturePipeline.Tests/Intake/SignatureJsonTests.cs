using System.Text;
using SignaturePipeline.Signatures;
using SignaturePipeline.Web.Intake;

namespace SignaturePipeline.Tests.Intake;

public sealed class SignatureJsonTests
{
    private static bool Parse(string json, out SignatureInput input, out SignatureJson.ParseError? error) =>
        SignatureJson.TryParse(Encoding.UTF8.GetBytes(json), out input, out error);

    [Fact]
    public void The_flat_shape_is_read()
    {
        Assert.True(Parse("""{"firstName":"Ana","lastName":"Li","email":"a@example.org","postalCode":"10001","state":"NY","optIn":true}""", out var input, out _));
        Assert.Equal("Ana", input.FirstName);
        Assert.True(input.OptIn);
    }

    [Fact]
    public void An_OSDI_record_signature_helper_body_is_read()
    {
        const string osdi = """
            {"person":{"given_name":"Ana","family_name":"Li",
              "email_addresses":[{"address":"old@example.org"},{"address":"ana@example.org","primary":true}],
              "postal_addresses":[{"postal_code":"10001","region":"NY","locality":"New York","country":"US"}]},
             "comments":"Stop it now"}
            """;
        Assert.True(Parse(osdi, out var input, out _));
        Assert.Equal(("Ana", "Li", "ana@example.org", "10001", "NY", "New York", "Stop it now"),
            (input.FirstName, input.LastName, input.Email, input.PostalCode, input.State, input.City, input.Comment));
    }

    [Fact]
    public void A_numeric_zip_keeps_its_digits()
    {
        Assert.True(Parse("""{"postalCode":10001}""", out var input, out _));
        Assert.Equal("10001", input.PostalCode);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("\"text\"")]
    [InlineData("{\"firstName\":\"a\",}")]
    public void Malformed_bodies_are_refused_with_a_message(string json)
    {
        Assert.False(Parse(json, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error!.Message));
    }

    [Theory]
    [InlineData("""{"firstName":42}""", "firstName")]
    [InlineData("""{"email":["a@b.org"]}""", "email")]
    [InlineData("""{"optIn":{"x":1}}""", "optIn")]
    [InlineData("""{"person":{"email_addresses":"a@b.org"}}""", "email_addresses")]
    public void A_field_of_the_wrong_type_is_named(string json, string field)
    {
        Assert.False(Parse(json, out _, out var error));
        Assert.Equal(field, error!.Field);
    }

    [Fact]
    public void Deeply_nested_json_is_refused()
    {
        var deep = new string('[', 100) + new string(']', 100);
        Assert.False(Parse("{\"x\":" + deep + "}", out _, out _));
    }
}
