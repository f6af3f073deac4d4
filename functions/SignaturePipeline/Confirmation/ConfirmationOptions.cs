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
}
