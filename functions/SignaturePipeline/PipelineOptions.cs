using System.ComponentModel.DataAnnotations;

namespace SignaturePipeline;

/// <summary>Settings under <c>Pipeline__*</c>. Validated when a host starts, so a bad value fails the deploy, not a signer.</summary>
public sealed class PipelineOptions
{
    public const string Section = "Pipeline";

    /// <summary>
    /// The secret every key comes from (see <see cref="Security.Hmac"/>): the HMAC that turns emails into table keys,
    /// the IP hashes, and the token key. It must never change once a petition has signatures: a new secret would make
    /// every returning signer look new. Link tokens and receipt ids are rotated with <see cref="TokenKeyVersion"/> instead.
    /// </summary>
    [Required, MinLength(16)]
    public string SecretKey { get; set; } = "";

    /// <summary>
    /// Which token key signs new confirmation and removal links and receipt ids. Raise it by one to rotate that key
    /// (a leaked link-signing key, a policy); stored data does not change.
    /// </summary>
    [Range(1, 1_000_000)]
    public int TokenKeyVersion { get; set; } = 1;

    /// <summary>
    /// Until when links and receipts signed with the previous token key (version - 1) are still accepted: after a
    /// rotation, set it to the rotation time plus the longest link lifetime (<c>Confirmation__RemovalLinkDays</c>), or
    /// to the rotation time itself if the old key leaked. Unset, the previous key is refused, except at version 1,
    /// whose previous key is the single secret used before keys were split by purpose (links already emailed).
    /// </summary>
    public DateTimeOffset? PreviousTokenKeyUntil { get; set; }

    /// <summary>
    /// Partitions per petition. Azure serves about 2,000 entities/s per partition, so 8 shards lift one
    /// petition's ceiling to about 16,000/s. Fixed for the life of the data: changing it moves e-mails to new shards.
    /// </summary>
    [Range(1, 64)]
    public int ShardCount { get; set; } = 8;

    /// <summary>How long intake trusts a cached petition definition. Intake never reads a table per request.</summary>
    [Range(0, 300)]
    public int PetitionCacheSeconds { get; set; } = 5;

    /// <summary>
    /// How long public reads (the petition JSON, the list, the page) share one read of a petition's counts: one storage read
    /// per petition per period, whatever the number of readers, so page views never compete with commits. 0 reads every time.
    /// </summary>
    [Range(0, 10_000)]
    public int CountCacheMilliseconds { get; set; } = 1_000;

    /// <summary>Most signatures one queue message carries (intake batching). Queue messages are at most 64 KiB.</summary>
    [Range(1, 1000)]
    public int MaxSignaturesPerMessage { get; set; } = 200;

    /// <summary>Enqueue calls in flight at once. Each carries every signature that arrived while the others were busy.</summary>
    [Range(1, 64)]
    public int MaxConcurrentEnqueues { get; set; } = 1;

    /// <summary>
    /// Under sustained load, how long a shard waits for more signatures before committing a transaction that is not full.
    /// Messages come off the queue a moment apart; waiting 25 ms let them share transactions (56 operations each
    /// instead of 34 in the benchmark): fewer requests, a fifth less of Azurite's CPU per signature, fewer billed
    /// transactions in Azure. Counting is asynchronous, so nobody waits on it; 0 turns it off.
    /// </summary>
    [Range(0, 1000)]
    public int CommitLingerMilliseconds { get; set; } = 25;

    /// <summary>
    /// The public address of the HTTP host, for links in receipts and emails. Empty: in Azure, the app's own default
    /// host name (<see cref="PlatformHostNameSetting"/>); elsewhere the local host's address.
    /// </summary>
    [Url]
    public string? PublicBaseUrl { get; set; }

    /// <summary>Set by Azure App Service and Functions to the app's default host name, <c>my-app.azurewebsites.net</c>.</summary>
    public const string PlatformHostNameSetting = "WEBSITE_HOSTNAME";

    /// <summary>
    /// The configured address, else the platform's host name: https in Azure, http for a host on this machine
    /// (Core Tools sets <c>localhost:7071</c>). Without either, links in emails could only point at localhost.
    /// </summary>
    public static string? PublicBaseUrlOrPlatformDefault(string? configured, string? platformHostName)
    {
        if (!string.IsNullOrWhiteSpace(configured)) return configured.TrimEnd('/');
        if (string.IsNullOrWhiteSpace(platformHostName)) return null;
        var host = platformHostName.Trim();
        var local = host.StartsWith("localhost", StringComparison.OrdinalIgnoreCase) || host.StartsWith("127.", StringComparison.Ordinal);
        return $"{(local ? "http" : "https")}://{host}";
    }

    /// <summary>Where email links point when no public address is set: the local host, where such emails are read.</summary>
    public const string LocalHostBaseUrl = "http://localhost:7071";

    /// <summary>
    /// The one answer to "what address do links start with", without a trailing slash: the configured
    /// <see cref="PublicBaseUrl"/>, else <paramref name="fallback"/> (a request's own address, or for an email, which has no
    /// request, <see cref="LocalHostBaseUrl"/>).
    /// </summary>
    public string PublicBaseUrlOr(string fallback) =>
        string.IsNullOrWhiteSpace(PublicBaseUrl) ? fallback : PublicBaseUrl.TrimEnd('/');
}
