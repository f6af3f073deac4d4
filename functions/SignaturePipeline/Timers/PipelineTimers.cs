namespace SignaturePipeline.Timers;

/// <summary>
/// One timer function: its name, and its schedule (NCRONTAB, six fields, UTC) when the app setting
/// <see cref="ScheduleSetting"/> is empty.
/// </summary>
public sealed record TimerDefinition(string Name, string DefaultSchedule)
{
    /// <summary>The app setting that holds the schedule: <c>{Name}Schedule</c>, as <c>[TimerTrigger("%…%")]</c> reads it in Azure.</summary>
    public string ScheduleSetting => Name + "Schedule";
}

/// <summary>
/// The catalogue of timer functions, read by both hosts and by the tests. A new timer is an entry here, its job in
/// <see cref="PipelineServiceCollectionExtensions.AddSignaturePipeline"/>, and (because the Functions SDK reads attributes,
/// which need constants) its adapter in the Functions app.
/// </summary>
public static class PipelineTimers
{
    public const string SendMilestoneEmails = "SendMilestoneEmails";
    public const string SendSignerEmails = "SendSignerEmails";
    public const string AnonymiseClosedPetitions = "AnonymiseClosedPetitions";
    public const string CompileWeeklyDeliveries = "CompileWeeklyDeliveries";
    public const string FinishDeliveries = "FinishDeliveries";
    public const string BackupTables = "BackupTables";
    public const string DispatchWebhooks = "DispatchWebhooks";

    public static readonly IReadOnlyList<TimerDefinition> All =
    [
        new(SendMilestoneEmails, "0 */5 * * * *"),
        new(SendSignerEmails, "0 */2 * * * *"),
        new(AnonymiseClosedPetitions, "0 30 3 * * *"),
        // Mondays at 13:00 UTC: the morning in US Eastern time, the start of a working week in a governor's office.
        new(CompileWeeklyDeliveries, "0 0 13 * * 1"),
        // Every ten minutes, so a crash on Monday morning still delivers on Monday morning, not a week later.
        new(FinishDeliveries, "0 */10 * * * *"),
        // Daily, at a quiet hour: tables have no point-in-time restore in Azure, so this is the copy an admin's mistake falls back on.
        new(BackupTables, "0 0 2 * * *"),
        // Every 30 seconds: webhooks read counted signatures two minutes behind (the safety margin), so this adds little to that.
        new(DispatchWebhooks, "*/30 * * * * *"),
    ];

    public static TimerDefinition Get(string name) => All.Single(t => t.Name == name);
}

/// <summary>What runs when a timer fires: one handler's method, resolved from the host's services.</summary>
public sealed record TimerJob(TimerDefinition Timer, Func<IServiceProvider, CancellationToken, Task> Run);
