using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace SignaturePipeline.Email;

public sealed record EmailAttachment(string FileName, string ContentType, ReadOnlyMemory<byte> Content);

/// <summary>An email as a feature describes it: who, what, and both bodies. The sender and headers come from <see cref="EmailSender"/>.</summary>
public sealed record OutgoingEmail(IReadOnlyList<string> To, string Subject, string Text, string Html)
{
    public IReadOnlyList<EmailAttachment> Attachments { get; init; } = [];

    /// <summary>Headers of the feature's own, such as <c>List-Unsubscribe</c> (RFC 8058) on updates to signers.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];
}

/// <summary>
/// Builds the MIME message every email shares (sender, Message-Id, both bodies, attachments) and hands it
/// to the configured transport. Features own their content and their idempotency key; this owns the envelope.
/// </summary>
public sealed class EmailSender(IEmailTransport transport, IOptions<EmailOptions> options, TimeProvider clock, ILogger<EmailSender> logger)
{
    /// <summary>Carries the idempotency key, so an operator can tell which record an email belongs to.</summary>
    public const string KeyHeader = "X-SignaturePipeline-Email";

    private readonly MailboxAddress _from = options.Value.FromAddress;

    public MimeMessage Build(OutgoingEmail email, string idempotencyKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(idempotencyKey);
        if (email.To.Count == 0) throw new ArgumentException("An email needs at least one recipient.", nameof(email));
        var message = new MimeMessage();
        message.From.Add(_from.Clone());
        foreach (var to in email.To) message.To.Add(MailboxAddress.Parse(to));
        message.Subject = email.Subject;
        message.Date = clock.GetUtcNow();
        message.MessageId = $"{EmailIdempotency.MessageIdLocalPart(idempotencyKey)}@{(string.IsNullOrEmpty(_from.Domain) ? "localhost" : _from.Domain)}";
        message.Headers.Add(KeyHeader, idempotencyKey);
        foreach (var (field, value) in email.Headers) message.Headers.Add(field, value);

        var body = new BodyBuilder { TextBody = email.Text, HtmlBody = email.Html };
        foreach (var attachment in email.Attachments)
            body.Attachments.Add(attachment.FileName, attachment.Content.ToArray(), ContentType.Parse(attachment.ContentType));
        message.Body = body.ToMessageBody();
        return message;
    }

    public async Task SendAsync(OutgoingEmail email, string idempotencyKey, CancellationToken ct)
    {
        var message = Build(email, idempotencyKey);
        await transport.SendAsync(message, idempotencyKey, ct).ConfigureAwait(false);
        logger.LogInformation("Email {IdempotencyKey} handed to {Transport} for {Recipients} recipients",
            idempotencyKey, transport.GetType().Name, email.To.Count);
    }
}
