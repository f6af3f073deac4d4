using System.Collections.Concurrent;
using NCrontab;
using SignaturePipeline.Timers;

namespace SignaturePipeline.LocalHost.Triggers;

/// <summary>
/// Runs the pipeline's timer jobs on their NCRONTAB schedules (six fields, seconds first, UTC, like Functions), and on
/// demand through <c>POST /admin/functions/{name}</c>. A schedule is read from the job's app setting, as
/// <c>[TimerTrigger("%Name%")]</c> does in the Functions app, falling back to its default. One run of a function at a
/// time, as the Functions singleton lock gives.
/// </summary>
public sealed class TimerTriggerHost(IEnumerable<TimerJob> jobs, IServiceProvider services, IConfiguration configuration, TimeProvider clock, ILogger<TimerTriggerHost> logger) : BackgroundService
{
    private readonly Dictionary<string, TimerJob> _byName = jobs.ToDictionary(j => j.Timer.Name, StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.OrdinalIgnoreCase);

    private CrontabSchedule ScheduleOf(TimerDefinition timer) =>
        ParseSchedule(configuration[timer.ScheduleSetting] is { Length: > 0 } s ? s : timer.DefaultSchedule);

    private static CrontabSchedule ParseSchedule(string expression) =>
        CrontabSchedule.Parse(expression, new CrontabSchedule.ParseOptions { IncludingSeconds = expression.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 });

    /// <summary>Runs the function now and waits for it; returns false when there is no such function.</summary>
    public async Task<bool> RunNowAsync(string name, CancellationToken ct)
    {
        if (!_byName.TryGetValue(name, out var job)) return false;
        await RunAsync(job, ct).ConfigureAwait(false);
        return true;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_byName.Values.Select(j => ScheduleLoopAsync(j, stoppingToken)));

    private async Task ScheduleLoopAsync(TimerJob job, CancellationToken ct)
    {
        var schedule = ScheduleOf(job.Timer);
        logger.LogInformation("Timer {Function} scheduled '{Schedule}' (UTC)", job.Timer.Name, schedule.ToString());
        while (!ct.IsCancellationRequested)
        {
            var now = clock.GetUtcNow();
            var next = new DateTimeOffset(schedule.GetNextOccurrence(now.UtcDateTime), TimeSpan.Zero);
            try { await Task.Delay(next - now, clock, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            try { await RunAsync(job, ct).ConfigureAwait(false); }
            // Stopping: a run cut short is the next start's to redo (every job records its facts first), not a host failure.
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Functions does not retry a failed timer run either; the next occurrence will.
                logger.LogError(e, "Timer {Function} failed", job.Timer.Name);
            }
        }
    }

    private async Task RunAsync(TimerJob job, CancellationToken ct)
    {
        var gate = _locks.GetOrAdd(job.Timer.Name, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await job.Run(services, ct).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }
}
