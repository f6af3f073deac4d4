using System.ComponentModel.DataAnnotations;

namespace SignaturePipeline.Deliveries;

/// <summary>Settings under <c>Deliveries__*</c>. The schedule itself is the app setting <c>CompileWeeklyDeliveriesSchedule</c>.</summary>
public sealed class DeliveryOptions
{
    public const string Section = "Deliveries";

    /// <summary>
    /// A delivery compiles signatures counted up to <c>now − SafetyMarginSeconds</c>, never up to now: a transaction
    /// stamped a moment ago may still be in flight, and a window that closed before it lands would skip it forever.
    /// Must exceed <see cref="Signatures.SignatureStore.CommitDeadline"/> (60 s), the longest a commit may land after its stamp.
    /// </summary>
    [Range(90, 86_400)]
    public int SafetyMarginSeconds { get; set; } = 120;

    /// <summary>
    /// Largest total of attachments (PDF + CSV, before Base64) sent in the email itself; bigger deliveries are sent as links.
    /// ACS takes at most 10 MB per request, and Base64 adds a third: 5 MB of files stay near 7 MB on the wire.
    /// </summary>
    [Range(0, 7)]
    public double MaxAttachmentMegabytes { get; set; } = 5;

    /// <summary>How long a download link in a delivery email works. Seven days is the most a user-delegation SAS allows.</summary>
    [Range(1, 7)]
    public int LinkValidityDays { get; set; } = 7;

    /// <summary>Index rows read per request while compiling (each holds up to 98 signers). Bounds memory, not correctness.</summary>
    [Range(10, 1000)]
    public int PageSize { get; set; } = 100;

    /// <summary>
    /// How long a run's claim on a delivery lasts without renewal; the run renews it every third of this while it works.
    /// A run whose host died frees its delivery after this, for the next run or the <c>FinishDeliveries</c> sweep.
    /// </summary>
    [Range(10, 1200)]
    public int ClaimLeaseSeconds { get; set; } = 120;

    public TimeSpan ClaimLease => TimeSpan.FromSeconds(ClaimLeaseSeconds);

    public TimeSpan SafetyMargin => TimeSpan.FromSeconds(SafetyMarginSeconds);

    public long MaxAttachmentBytes => (long)(MaxAttachmentMegabytes * 1024 * 1024);
}
