using SignaturePipeline.Confirmation;
using static SignaturePipeline.Tests.Pages.PageRendering;

namespace SignaturePipeline.Tests.Confirmation;

public sealed class PrivateChoiceEmailTests
{
    private static readonly Uri ConfirmLink = new("https://sign.example.org/petitions/stop-s-comm/confirm?token=abc.def");
    private static readonly Uri RemoveLink = new("https://sign.example.org/petitions/stop-s-comm/remove?token=ghi.jkl");

    [Theory]
    [InlineData(null, "You asked us to count your signature without sending your name to the target: your name, city and comment will not be in what we deliver to them.")]
    [InlineData("es", "Nos pediste contar tu firma sin enviar tu nombre al destinatario: tu nombre, tu ciudad y tu comentario no estarán en lo que le entreguemos.")]
    public void The_confirmation_email_of_a_private_signer_repeats_the_choice_in_their_language(string? lang, string said)
    {
        var mail = SignerEmails.Confirm(Petition(), "rosa@example.org", ConfirmLink, RemoveLink, TimeSpan.FromHours(72), lang, isPrivate: true);
        Assert.Contains(said, mail.Text, StringComparison.Ordinal);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(said), mail.Html, StringComparison.Ordinal);

        var named = SignerEmails.Confirm(Petition(), "rosa@example.org", ConfirmLink, RemoveLink, TimeSpan.FromHours(72), lang);
        Assert.DoesNotContain(said, named.Text, StringComparison.Ordinal);
    }
}
