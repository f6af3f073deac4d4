using System.ComponentModel.DataAnnotations;

namespace SignaturePipeline.Confirmation;

/// <summary>Settings under <c>Confirmation__*</c>: how long email links live and how often a fresh one may be asked for.</summary>
public sealed class ConfirmationOptions
{
    public const string Section = "Confirmation";

    /// <summary>How long a confirmation link works. Past it, the page offers a fresh email instead.</summary>
    [Range(1, 24 * 30)]
    public int LinkHours { get; set; } = 72;

    /// <summary>How long a removal link works: long, because a signer may want out months later.</summary>
    [Range(1, 3650)]
    public int RemovalLinkDays { get; set; } = 400;

    /// <summary>A fresh confirmation email at most this often per signature, so the resend page cannot be used to spam someone.</summary>
    [Range(0, 24 * 60)]
    public int ResendMinimumMinutes { get; set; } = 15;

    /// <summary>Fresh confirmation emails per signature, in all.</summary>
    [Range(0, 20)]
    public int MaxResends { get; set; } = 3;

    /// <summary>
    /// Signer emails to one mailbox (canonical address) per UTC day, across all petitions: whoever types a victim's
    /// address into forms can send them no more than this. A real signer needs one per petition signed.
    /// </summary>
    [Range(1, 1000)]
    public int MaxEmailsPerAddressPerDay { get; set; } = 5;

    /// <summary>
    /// Signer emails caused by submissions from one network (IP hash) per UTC day. High, because an office or a campus
    /// signs from one address; it bounds what one machine can make the domain send.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxEmailsPerIpPerDay { get; set; } = 200;

    /// <summary>
    /// Signer emails per petition per UTC day, so one petition cannot use up the sending quota of all. Past it, emails
    /// wait in the outbox for the next day instead of being dropped: they are owed to real signers.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxEmailsPerPetitionPerDay { get; set; } = 50_000;

    /// <summary>At most one "already signed" note per signature in this time: the form cannot be looped to mail-bomb a signer.</summary>
    public static readonly TimeSpan AlreadySignedNoteInterval = TimeSpan.FromHours(24);
}
