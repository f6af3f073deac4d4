using Microsoft.Azure.Functions.Worker;

namespace SignaturePipeline.Functions;

/// <summary>
/// Scheduled work. Schedules come from app settings (NCRONTAB, UTC), the same names the local host reads.
/// A timer run can replay after a lost lease, so every handler here records its facts before acting.
/// </summary>
public sealed class TimerFunctions
{
    // SendMilestoneEmails and CompileWeeklyDeliveries are added here by their features, each schedule an app setting.
}
