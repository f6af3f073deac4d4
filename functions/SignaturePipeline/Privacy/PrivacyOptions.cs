using System.ComponentModel.DataAnnotations;

namespace SignaturePipeline.Privacy;

/// <summary>Settings under <c>Privacy__*</c>.</summary>
public sealed class PrivacyOptions
{
    public const string Section = "Privacy";

    /// <summary>
    /// Days after a petition closes (or is won) before its signers' names, emails, addresses and comments are
    /// anonymised. Counts, states and times stay. Counted from the petition's <c>ClosedAt</c>, recorded when its status
    /// changed. Zero is refused: it would anonymise a petition the moment it closes, before its final delivery.
    /// </summary>
    [Range(1, 3650)]
    public int RetentionDays { get; set; } = 90;
}
