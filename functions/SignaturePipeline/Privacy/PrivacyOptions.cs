using System.ComponentModel.DataAnnotations;

namespace SignaturePipeline.Privacy;

/// <summary>Settings under <c>Privacy__*</c>.</summary>
public sealed class PrivacyOptions
{
    public const string Section = "Privacy";

    /// <summary>
    /// Days after a petition closes (or is won) before its signers' names, emails, addresses and comments are
    /// anonymised. Counts, states and times stay. The petition's last update is taken as its closing time.
    /// </summary>
    [Range(0, 3650)]
    public int RetentionDays { get; set; } = 90;
}
