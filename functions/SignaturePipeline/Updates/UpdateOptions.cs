using System.ComponentModel.DataAnnotations;

namespace SignaturePipeline.Updates;

/// <summary>Settings under <c>Updates__*</c>: how fast updates go out and how often organizers may send them.</summary>
public sealed class UpdateOptions
{
    public const string Section = "Updates";

    /// <summary>
    /// Emails per minute one update's fan-out sends, across all its shards and instances (each shard's chain of queue steps
    /// runs one at a time and sends its share). The default is the per-minute limit Azure Communication Services sets by
    /// default for a verified custom domain: 30 emails a minute and 100 an hour; an Azure-managed domain gets 5 a minute and
    /// 10 an hour, and higher limits come only by a support request for a custom domain
    /// (https://learn.microsoft.com/azure/communication-services/concepts/service-limits#email, and
    /// https://learn.microsoft.com/azure/communication-services/concepts/email/sdk-features#api-throttling-and-timeouts).
    /// Past the hourly limit ACS answers 429, which the transport waits out (Retry-After) and the fan-out retries later.
    /// Raise it once the limits are raised; 0 turns the throttle off (the pickup folder, the benchmark).
    /// </summary>
    [Range(0, 1_000_000)]
    public int MaxEmailsPerMinute { get; set; } = 30;

    /// <summary>Updates of kind <c>update</c> per petition in any 7 days; responses and victories are not limited.</summary>
    [Range(1, 100)]
    public int MaxPerWeek { get; set; } = 3;

    /// <summary>
    /// How long one queue step of a fan-out may send before it hands over to the next message: each step is small and
    /// bounded, far inside a Functions timeout, and a killed host resumes from the last recorded page.
    /// </summary>
    [Range(1, 300)]
    public int StepSeconds { get; set; } = 30;

    /// <summary>Most emails one step sends (unthrottled); pages of up to 100 signers each.</summary>
    [Range(1, 100_000)]
    public int StepMaxEmails { get; set; } = 2_000;

    /// <summary>How many tries a recipient's email gets before it counts as failed.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 3;
}
