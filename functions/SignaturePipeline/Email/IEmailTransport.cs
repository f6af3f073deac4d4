using MimeKit;

namespace SignaturePipeline.Email;

/// <summary>
/// Hands a finished message to whatever delivers it. <paramref name="idempotencyKey"/> names the email, not
/// the attempt: a transport that can (the pickup folder, ACS through its Operation-Id) turns a second send of
/// the same key into a no-op, which is what makes a retry after a crash safe.
/// </summary>
public interface IEmailTransport
{
    Task SendAsync(MimeMessage message, string idempotencyKey, CancellationToken ct);
}

/// <summary>The transport refused or lost the message. The caller keeps the email pending and tries again later.</summary>
public sealed class EmailSendException : Exception
{
    public EmailSendException(string message) : base(message) { }
    public EmailSendException(string message, Exception inner) : base(message, inner) { }

    /// <summary>
    /// The transport knows the email did not go out (refused, or a terminal Failed status). A retry may then use
    /// a fresh idempotency key; otherwise it must reuse the old one, because the first attempt may have been delivered.
    /// </summary>
    public bool NothingSent { get; init; }
}
