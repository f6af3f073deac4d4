using System.ComponentModel.DataAnnotations;
using System.Net;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace SignaturePipeline.Email;

/// <summary>
/// Settings under <c>Email__*</c>. Validated when a host starts: a typo in a transport setting should
/// fail the deploy, not the first milestone email hours later.
/// </summary>
public sealed class EmailOptions
{
    public const string Section = "Email";
    public const string DefaultPickupDirectory = ".data/mail";

    /// <summary><c>pickup</c> (write .eml files; the local default), <c>smtp</c> or <c>acs</c>.</summary>
    [Required]
    public string Transport { get; set; } = EmailTransports.Pickup;

    /// <summary>The sender, as an address or <c>Name &lt;address&gt;</c>. ACS takes only the address; its display name lives on the domain.</summary>
    [Required]
    public string From { get; set; } = "SignaturePipeline <noreply@localhost>";

    /// <summary>Where the pickup transport writes. A relative path is taken from the current directory.</summary>
    public string PickupDirectory { get; set; } = DefaultPickupDirectory;

    public SmtpEmailOptions Smtp { get; set; } = new();

    public AcsEmailOptions Acs { get; set; } = new();

    public string NormalizedTransport => (Transport ?? "").Trim().ToLowerInvariant();

    public string ResolvedPickupDirectory => Path.GetFullPath(string.IsNullOrWhiteSpace(PickupDirectory) ? DefaultPickupDirectory : PickupDirectory);

    public MailboxAddress FromAddress => MailboxAddress.Parse(From);
}

/// <summary>The values of <see cref="EmailOptions.Transport"/>.</summary>
public static class EmailTransports
{
    public const string Pickup = "pickup";
    public const string Smtp = "smtp";
    public const string Acs = "acs";
}

/// <summary><c>Email__Smtp__*</c>. Covers any relay, including the ACS SMTP relay (smtp.azurecomm.net:587, STARTTLS).</summary>
public sealed class SmtpEmailOptions
{
    public string? Host { get; set; }

    /// <summary>Empty means 587, the submission port.</summary>
    public int? Port { get; set; }

    /// <summary>
    /// true: STARTTLS is required (the ACS relay). false: plain text, refused at start unless the relay is on this
    /// machine (a loopback test server). Empty: TLS is required all the same (on connect for port 465, by STARTTLS
    /// otherwise), except to a loopback relay, which may go without: signers' names and addresses never cross a
    /// network in clear text because a setting was left out.
    /// </summary>
    public bool? UseStartTls { get; set; }

    /// <summary><c>localhost</c> or a loopback address, decided from the name alone: no lookup.</summary>
    public bool IsLoopbackHost =>
        string.Equals(Host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(Host?.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    public SecureSocketOptions Security => UseStartTls switch
    {
        true => SecureSocketOptions.StartTls,
        false => SecureSocketOptions.None,
        null when EffectivePort == 465 => SecureSocketOptions.SslOnConnect,
        null when IsLoopbackHost => SecureSocketOptions.StartTlsWhenAvailable,
        null => SecureSocketOptions.StartTls,
    };

    public string? Username { get; set; }

    public string? Password { get; set; }

    public int EffectivePort => Port ?? 587;
}

/// <summary><c>Email__Acs__*</c>: Azure Communication Services Email through its REST API.</summary>
public sealed class AcsEmailOptions
{
    /// <summary>https://{resource}.communication.azure.com; may be left out when the connection string names it.</summary>
    public string? Endpoint { get; set; }

    /// <summary><c>endpoint=https://…;accesskey=…</c>: HMAC-signed requests. Leave empty to use an Entra token instead.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>true: a managed identity's token (the deployed app). Otherwise, without a connection string, DefaultAzureCredential.</summary>
    public bool? UseManagedIdentity { get; set; }

    /// <summary>A user-assigned identity's client id. Empty: the <c>AZURE_CLIENT_ID</c> setting, else the system-assigned identity.</summary>
    public string? ClientId { get; set; }

    public string ApiVersion { get; set; } = "2025-09-01";

    /// <summary>The wait between status polls when the service sends no Retry-After.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one send waits for a terminal status before it counts as failed (and is retried later under the same Operation-Id).</summary>
    public TimeSpan MaxPollTime { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Retries of one request on 408, 429 and 5xx, honouring Retry-After.</summary>
    public int MaxRetries { get; set; } = 5;
}

/// <summary>The cross-field rules data annotations cannot express.</summary>
public sealed class EmailOptionsValidator : IValidateOptions<EmailOptions>
{
    public ValidateOptionsResult Validate(string? name, EmailOptions options)
    {
        var errors = new List<string>();
        if (!MailboxAddress.TryParse(options.From, out var from) || string.IsNullOrEmpty(from.Address) || !from.Address.Contains('@', StringComparison.Ordinal))
            errors.Add($"Email:From '{options.From}' is not an email address (use 'name@example.org' or 'Name <name@example.org>').");

        switch (options.NormalizedTransport)
        {
            case EmailTransports.Pickup:
                if (string.IsNullOrWhiteSpace(options.PickupDirectory)) errors.Add("Email:PickupDirectory is empty.");
                break;
            case EmailTransports.Smtp:
                var smtp = options.Smtp;
                if (string.IsNullOrWhiteSpace(smtp.Host)) errors.Add("Email:Smtp:Host is required when Email:Transport is smtp.");
                if (smtp.EffectivePort is < 1 or > 65535) errors.Add("Email:Smtp:Port must be between 1 and 65535.");
                if (!string.IsNullOrEmpty(smtp.Username) && string.IsNullOrEmpty(smtp.Password))
                    errors.Add("Email:Smtp:Password is required when Email:Smtp:Username is set.");
                if (smtp.UseStartTls == false && !string.IsNullOrWhiteSpace(smtp.Host) && !smtp.IsLoopbackHost)
                    errors.Add($"Email:Smtp:UseStartTls is false, but {smtp.Host} is not on this machine: signers' data would cross the network in clear text. Use true, or leave it empty.");
                break;
            case EmailTransports.Acs:
                ValidateAcs(options.Acs, errors);
                break;
            default:
                errors.Add($"Email:Transport '{options.Transport}' is not known; use pickup, smtp or acs.");
                break;
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateAcs(AcsEmailOptions acs, List<string> errors)
    {
        Uri? endpoint = null;
        if (!string.IsNullOrWhiteSpace(acs.ConnectionString))
        {
            if (AcsConnectionString.TryParse(acs.ConnectionString, out var parsed, out var error)) endpoint = parsed.Endpoint;
            else errors.Add(error);
        }
        if (!string.IsNullOrWhiteSpace(acs.Endpoint) && !Uri.TryCreate(acs.Endpoint, UriKind.Absolute, out endpoint))
            errors.Add($"Email:Acs:Endpoint '{acs.Endpoint}' is not an absolute URL.");
        else if (endpoint is null && string.IsNullOrWhiteSpace(acs.ConnectionString))
            errors.Add("Email:Acs:Endpoint (or Email:Acs:ConnectionString) is required when Email:Transport is acs.");
        // Plain http only reaches a loopback test server: a signed request or a token must never cross a network unencrypted.
        if (endpoint is not null && endpoint.Scheme != Uri.UriSchemeHttps && !endpoint.IsLoopback)
            errors.Add("Email:Acs:Endpoint must use https.");
        if (acs.UseManagedIdentity == true && !string.IsNullOrWhiteSpace(acs.ConnectionString))
            errors.Add("Set either Email:Acs:ConnectionString or Email:Acs:UseManagedIdentity, not both.");
        if (acs.PollInterval <= TimeSpan.Zero) errors.Add("Email:Acs:PollInterval must be positive.");
        if (acs.MaxPollTime < acs.PollInterval) errors.Add("Email:Acs:MaxPollTime must be at least Email:Acs:PollInterval.");
        if (acs.MaxRetries is < 0 or > 20) errors.Add("Email:Acs:MaxRetries must be between 0 and 20.");
        if (string.IsNullOrWhiteSpace(acs.ApiVersion)) errors.Add("Email:Acs:ApiVersion is empty.");
    }
}
