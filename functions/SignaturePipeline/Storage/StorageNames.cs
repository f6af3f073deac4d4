namespace SignaturePipeline.Storage;

/// <summary>Every table in the account. Each is written by exactly one type, which documents its keys.</summary>
public static class TableNames
{
    /// <summary>Petition definitions. Keys: see <see cref="Petitions.PetitionStore"/>.</summary>
    public const string Petitions = "petitions";
    /// <summary>Counted signatures and their counters. Keys: see <see cref="Signatures.SignatureStore"/>.</summary>
    public const string Signatures = "signatures";
    /// <summary>The final state of every receipt. Keys: see <see cref="Receipts.ReceiptStore"/>.</summary>
    public const string Receipts = "receipts";
    /// <summary>Rejections and duplicates per petition, for organizers. Keys: see <see cref="Receipts.ReceiptStore"/>.</summary>
    public const string Outcomes = "outcomes";
    /// <summary>Why a queue message failed, for operators. Keys: see <see cref="Intake.FailureLog"/>.</summary>
    public const string Failures = "failures";
    /// <summary>The last run of each timer function. Keys: see <see cref="Timers.TimerRunLog"/>.</summary>
    public const string TimerRuns = "timerruns";
    /// <summary>Crossed milestones and hourly count snapshots. Keys: see <see cref="Milestones.MilestoneStore"/>.</summary>
    public const string Milestones = "milestones";
    /// <summary>Weekly deliveries and each target's watermark. Keys: see <see cref="Deliveries.DeliveryStore"/>.</summary>
    public const string Deliveries = "deliveries";
    /// <summary>Invalidations by rule and the rows each one changed, for their revert. Keys: see <see cref="Abuse.InvalidationLog"/>.</summary>
    public const string Invalidations = "invalidations";
    /// <summary>Each day's count of signer emails per address, network and petition. Keys: see <see cref="Confirmation.SignerMailQuota"/>.</summary>
    public const string SignerMail = "signermail";

    /// <summary>Updates to signers, their fan-out progress and per-recipient records. Keys: see <see cref="Updates.UpdateStore"/>.</summary>
    public const string Updates = "updates";

    /// <summary>Webhook cursors, recorded events and failed deliveries. Keys: see <see cref="SignaturePipeline.Webhooks.WebhookStore"/>.</summary>
    public const string Webhooks = "webhooks";

    /// <summary>Each used console sign-in link, so it signs in once. Keys: see <see cref="OrganizerConsole.ConsoleSignIn"/>.</summary>
    public const string ConsoleSignIns = "consolesignins";

    public static readonly string[] All = [Petitions, Signatures, Receipts, Outcomes, Failures, TimerRuns, Milestones, Deliveries, Invalidations, SignerMail, Webhooks, Updates, ConsoleSignIns];
}

/// <summary>Blob containers. The Bicep template creates them in Azure; <see cref="StorageInitializer"/> locally.</summary>
public static class ContainerNames
{
    /// <summary>Delivered files: <c>{petition}/{target}/{isoWeek}/delivery.pdf</c>, <c>signers.csv</c>, <c>manifest.json</c>.</summary>
    public const string Deliveries = "deliveries";
    /// <summary>Table backups: <c>{backupId}/{table}.jsonl</c>. Written by <see cref="Operations.TableBackup"/>.</summary>
    public const string Backups = "backups";

    public static readonly string[] All = [Deliveries, Backups];
}

/// <summary>Queue names. Functions moves a message that failed five times to "{queue}-poison".</summary>
public static class QueueNames
{
    public const string Signatures = "signatures";
    public const string SignaturesPoison = Signatures + PoisonSuffix;
    public const string PoisonSuffix = "-poison";
    /// <summary>The fan-out of updates to signers: its own queue, so sending never slows counting.</summary>
    public const string Updates = "updates";
    public const string UpdatesPoison = Updates + PoisonSuffix;

    /// <summary>Webhook events on their way out, retried by re-sending with a visibility delay. See <see cref="SignaturePipeline.Webhooks.WebhookSender"/>.</summary>
    public const string Webhooks = "webhooks";
    public const string WebhooksPoison = Webhooks + PoisonSuffix;

    public static readonly string[] All = [Signatures, SignaturesPoison, Webhooks, WebhooksPoison, Updates, UpdatesPoison];
}
