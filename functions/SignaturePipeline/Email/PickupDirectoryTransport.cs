using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace SignaturePipeline.Email;

/// <summary>
/// Writes each message as an .eml file, for a laptop or a demo: open it in any mail client.
/// The file name comes from the idempotency key and the file is moved into place without overwriting,
/// so sending the same key twice leaves one file, and a crash mid-write leaves no half message behind.
/// </summary>
public sealed class PickupDirectoryTransport(IOptions<EmailOptions> options, ILogger<PickupDirectoryTransport> logger) : IEmailTransport
{
    public string Directory { get; } = options.Value.ResolvedPickupDirectory;

    public string PathOf(string idempotencyKey) => Path.Combine(Directory, EmailIdempotency.FileName(idempotencyKey));

    public async Task SendAsync(MimeMessage message, string idempotencyKey, CancellationToken ct)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var target = PathOf(idempotencyKey);
        if (File.Exists(target))
        {
            logger.LogInformation("Email {IdempotencyKey} already in the pickup folder; not written again", idempotencyKey);
            return;
        }
        var temporary = Path.Combine(Directory, $".{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 16 * 1024, useAsync: true))
                await message.WriteToAsync(stream, ct).ConfigureAwait(false);
            try
            {
                File.Move(temporary, target, overwrite: false);
                logger.LogInformation("Email {IdempotencyKey} written to {Path}", idempotencyKey, target);
            }
            catch (IOException) when (File.Exists(target))
            {
                // Another run got there first with the same email; theirs stands.
                logger.LogInformation("Email {IdempotencyKey} already in the pickup folder; not written again", idempotencyKey);
            }
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }
}
