using Microsoft.Azure.Functions.Worker;
using SignaturePipeline.Confirmation;
using SignaturePipeline.Deliveries;
using SignaturePipeline.Milestones;
using SignaturePipeline.Operations;
using SignaturePipeline.Privacy;
using SignaturePipeline.Timers;
using SignaturePipeline.Webhooks;

namespace SignaturePipeline.Functions;

/// <summary>
/// Scheduled work, one adapter per entry of <see cref="PipelineTimers"/>. Schedules come from app settings (NCRONTAB, UTC),
/// the same names the local host reads. A timer run can replay after a lost lease, so every handler here records its
/// facts before acting.
/// </summary>
public sealed class TimerFunctions(MilestoneNotifier milestones, DeliveryCompiler deliveries, SignerMailer signerMail, PrivacyHandlers privacy, TableBackup backup,
    WebhookDispatcher webhooks)
{
    [Function(PipelineTimers.DispatchWebhooks)]
    public Task DispatchWebhooks([TimerTrigger("%DispatchWebhooksSchedule%")] TimerInfo timer, CancellationToken ct) =>
        webhooks.RunAsync(ct);

    [Function(PipelineTimers.SendSignerEmails)]
    public Task SendSignerEmails([TimerTrigger("%SendSignerEmailsSchedule%")] TimerInfo timer, CancellationToken ct) =>
        signerMail.SweepAsync(ct);

    [Function(PipelineTimers.AnonymiseClosedPetitions)]
    public Task AnonymiseClosedPetitions([TimerTrigger("%AnonymiseClosedPetitionsSchedule%")] TimerInfo timer, CancellationToken ct) =>
        privacy.RunRetentionAsync(ct);

    [Function(PipelineTimers.SendMilestoneEmails)]
    public Task SendMilestoneEmails([TimerTrigger("%SendMilestoneEmailsSchedule%")] TimerInfo timer, CancellationToken ct) =>
        milestones.RunAsync(ct);

    [Function(PipelineTimers.CompileWeeklyDeliveries)]
    public Task CompileWeeklyDeliveries([TimerTrigger("%CompileWeeklyDeliveriesSchedule%")] TimerInfo timer, CancellationToken ct) =>
        deliveries.RunAsync(ct);

    [Function(PipelineTimers.FinishDeliveries)]
    public Task FinishDeliveries([TimerTrigger("%FinishDeliveriesSchedule%")] TimerInfo timer, CancellationToken ct) =>
        deliveries.FinishAsync(ct);

    [Function(PipelineTimers.BackupTables)]
    public Task BackupTables([TimerTrigger("%BackupTablesSchedule%")] TimerInfo timer, CancellationToken ct) =>
        backup.ExportAsync(ct);
}
