using Microsoft.Azure.Functions.Worker;
using SignaturePipeline.Deliveries;
using SignaturePipeline.Milestones;

namespace SignaturePipeline.Functions;

/// <summary>
/// Scheduled work. Schedules come from app settings (NCRONTAB, UTC), the same names the local host reads.
/// A timer run can replay after a lost lease, so every handler here records its facts before acting.
/// </summary>
public sealed class TimerFunctions(MilestoneNotifier milestones, DeliveryCompiler deliveries, SignaturePipeline.Confirmation.SignerMailer signerMail, SignaturePipeline.Privacy.PrivacyHandlers privacy)
{
    [Function(SignaturePipeline.Confirmation.SignerMailer.FunctionName)]
    public Task SendSignerEmails([TimerTrigger("%SendSignerEmailsSchedule%")] TimerInfo timer, CancellationToken ct) =>
        signerMail.SweepAsync(ct);

    [Function(SignaturePipeline.Privacy.PrivacyHandlers.RetentionFunctionName)]
    public Task AnonymiseClosedPetitions([TimerTrigger("%AnonymiseClosedPetitionsSchedule%")] TimerInfo timer, CancellationToken ct) =>
        privacy.RunRetentionAsync(ct);

    [Function(MilestoneNotifier.FunctionName)]
    public Task SendMilestoneEmails([TimerTrigger("%SendMilestoneEmailsSchedule%")] TimerInfo timer, CancellationToken ct) =>
        milestones.RunAsync(ct);

    [Function(DeliveryCompiler.FunctionName)]
    public Task CompileWeeklyDeliveries([TimerTrigger("%CompileWeeklyDeliveriesSchedule%")] TimerInfo timer, CancellationToken ct) =>
        deliveries.RunAsync(ct);

    [Function(DeliveryCompiler.FinishFunctionName)]
    public Task FinishDeliveries([TimerTrigger("%FinishDeliveriesSchedule%")] TimerInfo timer, CancellationToken ct) =>
        deliveries.FinishAsync(ct);
}
