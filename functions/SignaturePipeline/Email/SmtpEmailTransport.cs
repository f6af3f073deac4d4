using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace SignaturePipeline.Email;

/// <summary>
/// Any SMTP relay through MailKit, including the ACS relay (smtp.azurecomm.net:587, STARTTLS, an Entra app's
/// credentials). SMTP has no idempotency: the message keeps the Message-Id derived from the key, so in the rare
/// case of a crash after the relay accepted it but before it was marked sent, the repeat is recognisable.
/// </summary>
public sealed class SmtpEmailTransport(IOptions<EmailOptions> options, ILogger<SmtpEmailTransport> logger) : IEmailTransport
{
    private readonly SmtpEmailOptions _smtp = options.Value.Smtp;

    public async Task SendAsync(MimeMessage message, string idempotencyKey, CancellationToken ct)
    {
        // A connection per message: milestone and delivery emails are rare, and a pooled connection would be
        // one more thing to time out between timer runs.
        using var client = new SmtpClient();
        string response;
        var handedOver = false;
        try
        {
            await client.ConnectAsync(_smtp.Host ?? "", _smtp.EffectivePort, _smtp.Security, ct).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(_smtp.Username))
                await client.AuthenticateAsync(_smtp.Username, _smtp.Password ?? "", ct).ConfigureAwait(false);
            handedOver = true;
            response = await client.SendAsync(message, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SmtpCommandException or SmtpProtocolException or AuthenticationException or SslHandshakeException or IOException or System.Net.Sockets.SocketException)
        {
            // A failure before the message went out, or an explicit refusal, means nothing was delivered;
            // a connection dropped mid-send may hide an acceptance, so that one keeps its key.
            throw new EmailSendException($"SMTP relay {_smtp.Host}:{_smtp.EffectivePort} did not take the message: {e.Message}", e)
            {
                NothingSent = !handedOver || e is SmtpCommandException,
            };
        }
        logger.LogInformation("Email {IdempotencyKey} accepted by {Host}: {Response}", idempotencyKey, _smtp.Host, response);
        try
        {
            await client.DisconnectAsync(quit: true, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The relay has the message; a failed QUIT must not turn an accepted email into a retry.
            logger.LogDebug(e, "SMTP QUIT failed after {IdempotencyKey} was accepted", idempotencyKey);
        }
    }
}
