using System.ComponentModel.DataAnnotations;

namespace SignaturePipeline.Abuse;

/// <summary>
/// Settings under <c>Abuse__*</c>. The defaults are strict (what Azure runs with unless told otherwise); the local
/// sample settings exempt loopback so a developer's own tests and benchmarks are never held.
/// Limits are counted in memory per instance: a scaled-out app allows each instance its own budget.
/// </summary>
public sealed class AbuseOptions
{
    public const string Section = "Abuse";

    /// <summary>Signatures from one source (an IPv4 address, an IPv6 /64) to one petition per minute before the rest are held.</summary>
    [Range(1, 1_000_000)]
    public int PerIpBurst { get; set; } = 5;

    /// <summary>Signatures from one source to one petition per hour before the rest are held (a household, an office, a campus NAT).</summary>
    [Range(1, 10_000_000)]
    public int PerIpPerHour { get; set; } = 30;

    /// <summary>
    /// Signatures to one petition per minute, from everyone. The UK record was about 2,000/min. Over it only the flood's
    /// own sources are held where they can be told apart (see <see cref="AbuseGuard"/>).
    /// </summary>
    [Range(1, 10_000_000)]
    public int PerPetitionPerMinute { get; set; } = 5_000;

    /// <summary>Loopback clients (a developer's tests and benchmarks) are never limited. Never true in Azure.</summary>
    public bool LoopbackExempt { get; set; }

    /// <summary>
    /// Take the client IP from the last <c>X-Forwarded-For</c> entry, for a host behind a reverse proxy of your own.
    /// Off by default, and off in Azure: there the worker's connection address already is the client's (README,
    /// "The client IP in Azure"), and any X-Forwarded-For left for the worker could only be what the client claimed.
    /// </summary>
    public bool TrustForwardedFor { get; set; }

    /// <summary>Optional human check before counting: <c>none</c>, <c>turnstile</c> or <c>hcaptcha</c>.</summary>
    [RegularExpression("^(none|turnstile|hcaptcha)$")]
    public string Captcha { get; set; } = "none";

    /// <summary>The captcha provider's secret key (a Key Vault reference in Azure).</summary>
    public string? CaptchaSecret { get; set; }

    /// <summary>Overrides the provider's siteverify address (tests point it at a loopback server).</summary>
    public string? CaptchaVerifyUrl { get; set; }

    /// <summary>Domains whose addresses are flagged as disposable, on top of the shipped list (comma-separated).</summary>
    public string? ExtraDisposableDomains { get; set; }

    /// <summary>More domain aliases, "alias.example=mailbox.example,…" (see <see cref="Signatures.CanonicalEmailRules"/>).</summary>
    public string? DomainAliases { get; set; }

    /// <summary>More domains whose "+tag" addresses reach the base mailbox, comma-separated.</summary>
    public string? PlusTagDomains { get; set; }

    /// <summary>More domains that ignore dots in the local part, as Gmail does, comma-separated.</summary>
    public string? DotInsensitiveDomains { get; set; }
}

/// <summary>Why a signature is held. Stored in the row's <c>Flag</c>; shown to organizers, never to the signer.</summary>
public static class AbuseFlags
{
    public const string IpBurst = "rate_ip_burst";
    public const string IpHourly = "rate_ip_hourly";
    public const string PetitionRate = "rate_petition";
    public const string Honeypot = "honeypot";
    public const string DisposableEmail = "disposable_email";
    public const string CaptchaFailed = "captcha_failed";
}
