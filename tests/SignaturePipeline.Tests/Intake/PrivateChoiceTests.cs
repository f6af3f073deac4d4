using System.Text;
using SignaturePipeline.Signatures;
using SignaturePipeline.Web.Intake;

namespace SignaturePipeline.Tests.Intake;

public sealed class PrivateChoiceTests
{
    private const string Fields = "\"firstName\":\"Ana\",\"lastName\":\"Li\",\"email\":\"a@example.org\",\"postalCode\":\"10001\",\"state\":\"NY\"";

    private static bool Parse(string json, out SignatureInput input, out SignatureJson.ParseError? error) =>
        SignatureJson.TryParse(Encoding.UTF8.GetBytes(json), out input, out error);

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("null", false)]
    [InlineData("\"on\"", true)]
    [InlineData("\"true\"", true)]
    [InlineData("\"off\"", false)]
    [InlineData("\"\"", false)]
    public void Private_in_JSON_is_read_as_yes_or_no(string value, bool expected)
    {
        Assert.True(Parse("{" + Fields + ",\"private\":" + value + "}", out var input, out _));
        Assert.Equal(expected, input.Private);
    }

    [Fact]
    public void Without_private_a_signature_is_named_as_before()
    {
        Assert.True(Parse("{" + Fields + "}", out var input, out _));
        Assert.False(input.Private);
    }

    [Fact]
    public void An_OSDI_body_carries_private_at_its_top_level_beside_its_person()
    {
        Assert.True(Parse("""{"person":{"given_name":"Ana","family_name":"Li","email_addresses":[{"address":"a@example.org"}]},"private":true}""", out var input, out _));
        Assert.True(input.Private);
        Assert.Equal("Ana", input.FirstName);
    }

    [Theory]
    [InlineData("\"maybe\"")]
    [InlineData("\"si\"")]
    [InlineData("1")]
    [InlineData("{}")]
    public void A_private_value_that_is_neither_yes_nor_no_is_refused_naming_the_field(string value)
    {
        Assert.False(Parse("{" + Fields + ",\"private\":" + value + "}", out _, out var error));
        Assert.Equal("private", error!.Field);
    }

    [Fact]
    public void A_form_checkbox_sends_on_and_nothing_when_unticked_and_anything_else_is_refused()
    {
        Assert.True(FormValues.ToInput(name => name == "private" ? "on" : null).Private);
        Assert.False(FormValues.ToInput(_ => null).Private);
        var refused = Assert.Throws<FieldTypeException>(() => FormValues.ToInput(name => name == "private" ? "perhaps" : null));
        Assert.Equal("private", refused.Field);
    }

    [Fact]
    public void The_choice_survives_the_queue_message_and_is_left_out_of_it_when_not_made()
    {
        var message = new SignaturePipeline.Intake.SignatureMessage(SignaturePipeline.Intake.SignatureMessage.CurrentSchema,
        [
            new("r1", "p", DateTimeOffset.UnixEpoch, new SignatureInput { FirstName = "A", Private = true }),
            new("r2", "p", DateTimeOffset.UnixEpoch, new SignatureInput { FirstName = "B" }),
        ]).Serialize();
        Assert.Equal(1, message.Split("\"private\"").Length - 1);
        var read = SignaturePipeline.Intake.SignatureMessage.Parse(message);
        Assert.Equal([true, false], read.Items.Select(i => i.Signature.Private));
    }

    [Fact]
    public void Asking_not_to_be_named_is_other_details_so_a_pending_row_can_be_replaced_by_the_choice()
    {
        var row = new SignatureRow("p", 0, new Azure.Data.Tables.TableEntity("p_00", "s_ab")
        {
            ["FirstName"] = "Ana", ["LastName"] = "Li", ["PostalCode"] = "10001", ["State"] = "NY",
        });
        var same = new ValidSignature("Ana", "Li", "a@example.org", "a@example.org", "10001", "NY", null, "US", null, false);

        Assert.False(SignatureStore.DiffersFrom(row, same));
        Assert.True(SignatureStore.DiffersFrom(row, same with { Private = true }));
    }
}
