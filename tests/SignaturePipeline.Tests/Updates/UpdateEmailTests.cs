using MimeKit;
using SignaturePipeline.Email;
using SignaturePipeline.Signatures;
using SignaturePipeline.Updates;

namespace SignaturePipeline.Tests.Updates;

/// <summary>An update's text as safe HTML, and the email each signer gets, with the headers mail clients act on.</summary>
public sealed class UpdateEmailTests
{
    private static readonly Uri Page = new("https://petitions.example.org/petitions/stop-s-comm");
    private static readonly Uri Unsubscribe = new("https://petitions.example.org/petitions/stop-s-comm/unsubscribe?token=abc.def");

    private static UpdateRecord Update(UpdateKind kind = UpdateKind.Update, string? subjectEs = null, string? bodyEs = null, string? responder = null) =>
        new("stop-s-comm", "0123456789abcdef0123", new ValidUpdate(kind, "We won", "Thank you.\n\nSee https://example.org/news.", subjectEs, bodyEs, responder, null),
            DateTimeOffset.UnixEpoch, 8, 10, UpdateStatus.Sending, null, default);

    [Fact]
    public void Markup_in_the_body_is_shown_as_text_and_links_show_their_own_address()
    {
        var html = UpdateBody.ToHtml("<script>alert(1)</script> & more\nSecond line\n\nRead https://example.org/a?b=1&c=2, and www.example.net.");
        Assert.Equal("<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; more<br>Second line</p>\n" +
                     "<p>Read <a href=\"https://example.org/a?b=1&amp;c=2\">https://example.org/a?b=1&amp;c=2</a>, and <a href=\"https://www.example.net/\">www.example.net</a>.</p>\n", html);
    }

    [Fact]
    public void A_link_that_is_not_web_stays_text()
    {
        Assert.DoesNotContain("<a", UpdateBody.ToHtml("javascript:alert(1) and data:text/html,hi"), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_email_carries_the_one_click_unsubscribe_headers_and_a_visible_link()
    {
        var email = new UpdateEmail.Template("Stop S-Comm", Update(), Page).Render(new UpdateRecipient("s_ab", "ana@example.org", "Ana", null, false), Unsubscribe);
        Assert.Contains(new KeyValuePair<string, string>("List-Unsubscribe", $"<{Unsubscribe.AbsoluteUri}>"), email.Headers);
        Assert.Contains(new KeyValuePair<string, string>("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"), email.Headers);
        Assert.Contains(Unsubscribe.AbsoluteUri, email.Text, StringComparison.Ordinal);
        Assert.Contains("Hello Ana,", email.Text, StringComparison.Ordinal);
        Assert.Contains("\u201CStop S-Comm\u201D", email.Text, StringComparison.Ordinal);
        Assert.Contains(Page.AbsoluteUri, email.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_response_names_who_answered_and_Spanish_signers_get_the_Spanish_text()
    {
        var template = new UpdateEmail.Template("Stop S-Comm", Update(UpdateKind.Response, "Ganamos", "Gracias.", "Gov. Cuomo"), Page);
        var spanish = template.Render(new UpdateRecipient("s_ab", "ana@example.org", "Ana", SignerLanguage.Spanish, false), Unsubscribe);
        Assert.Equal("Ganamos", spanish.Subject);
        Assert.Contains("Gov. Cuomo respondió a la petición:", spanish.Text, StringComparison.Ordinal);
        Assert.Contains("unsubscribe?token=abc.def&lang=es", spanish.Text, StringComparison.Ordinal);
        Assert.Contains("Gov. Cuomo responded to the petition:", template.Render(new UpdateRecipient("s_cd", "bob@example.org", null, null, false), Unsubscribe).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_unsubscribe_headers_travel_to_ACS()
    {
        var sender = new EmailSender(new NoTransport(), Microsoft.Extensions.Options.Options.Create(new EmailOptions { From = "desk@petitions.example.org" }), TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<EmailSender>.Instance);
        var email = new UpdateEmail.Template("Stop S-Comm", Update(), Page).Render(new UpdateRecipient("s_ab", "ana@example.org", "Ana", null, false), Unsubscribe);
        var request = AcsEmailRequest.From(sender.Build(email, "update:key"));
        Assert.Equal($"<{Unsubscribe.AbsoluteUri}>", request.Headers!["List-Unsubscribe"]);
        Assert.Equal("List-Unsubscribe=One-Click", request.Headers["List-Unsubscribe-Post"]);
    }

    private sealed class NoTransport : IEmailTransport
    {
        public Task SendAsync(MimeMessage message, string idempotencyKey, CancellationToken ct) => Task.CompletedTask;
    }
}
