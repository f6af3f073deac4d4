using System.ComponentModel.DataAnnotations;

namespace SignaturePipeline.Webhooks;

/// <summary>Settings <c>Webhooks__*</c>: how webhooks connect, how long they are retried, how far behind counting they read.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>Lets http:// loopback receivers in (local runs and tests only; never set in Azure).</summary>
    public bool AllowLoopback { get; set; }

    [Range(1, 60)] public int ConnectTimeoutSeconds { get; set; } = 5;

    /// <summary>The whole request, from connecting to the last byte of the answer read.</summary>
    [Range(1, 120)] public int TimeoutSeconds { get; set; } = 15;

    /// <summary>How long an event is retried (network errors, 5xx, 429) before it is kept as a failure.</summary>
    [Range(0.0001, 168)] public double RetryWindowHours { get; set; } = 24;

    /// <summary>The first retry's delay; each next one doubles it, up to an hour.</summary>
    [Range(0.01, 3600)] public double FirstRetrySeconds { get; set; } = 10;

    /// <summary>
    /// Read signatures counted up to this long ago, never up to now: a transaction stamped earlier can land up to
    /// <c>SignatureStore.CommitDeadline</c> later, and a cursor that passed its stamp would skip it (as for deliveries, 90 or more in Azure).
    /// </summary>
    [Range(0, 600)] public int SafetyMarginSeconds { get; set; } = 120;

    /// <summary>The most of a receiver's answer that is read; the rest is dropped with the connection.</summary>
    [Range(0, 1024 * 1024)] public int MaxResponseBytes { get; set; } = 64 * 1024;

    /// <summary>Requests to one webhook in flight at once from one message.</summary>
    [Range(1, 64)] public int MaxParallelRequests { get; set; } = 8;

    public TimeSpan RetryWindow => TimeSpan.FromHours(RetryWindowHours);
}
