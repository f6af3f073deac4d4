using System.Collections.Concurrent;
using NCrontab;

namespace SignaturePipeline.LocalHost.Triggers;

/// <summary>
/// A timer-triggered function. The schedule is read from the app setting <see cref="ScheduleSetting"/>, as
/// <c>[TimerTrigger("%Name%")]</c> does in the Functions app, falling back to <see cref="DefaultSchedule"/>.
/// </summary>
public sealed record TimerFunction(string Name, string ScheduleSetting, string DefaultSchedule, Func<IServiceProvider, CancellationToken, Task> Run);

/// <summary>
/// Runs timer functions on their NCRONTAB schedules (six fields, seconds first, UTC, like Functions), and on
/// demand through <c>POST /admin/functions/{name}</c>. One run of a function at a time, as the Functions singleton lock gives.
/// </summary>
public sealed class TimerTriggerHost(IEnumerable<TimerFunction> functions, IServiceProvider services, IConfiguration configuration, TimeProvider clock, ILogger<TimerTriggerHost> logger) : BackgroundService
{
    private readonly Dictionary<string, TimerFunction> _byName = functions.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastRuns = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyDictionary<string, DateTimeOffset> LastRuns => _lastRuns;

    public bool Exists(string name) => _byName.ContainsKey(name);

    public CrontabSchedule ScheduleOf(TimerFunction function) =>
        ParseSchedule(configuration[function.ScheduleSetting] is { Length: > 0 } s ? s : function.DefaultSchedule);

    public static CrontabSchedule ParseSchedule(string expression) =>
        CrontabSchedule.Parse(expression, new CrontabSchedule.ParseOptions { IncludingSeconds = expression.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 });

    /// <summary>Runs the function now and waits for it; returns false when there is no such function.</summary>
    public async Task<bool> RunNowAsync(string name, CancellationToken ct)
    {
        if (!_byName.TryGetValue(name, out var function)) return false;
        await RunAsync(function, ct).ConfigureAwait(false);
        return true;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_byName.Values.Select(f => ScheduleLoopAsync(f, stoppingToken)));

    private async Task ScheduleLoopAsync(TimerFunction function, CancellationToken ct)
    {
        var schedule = ScheduleOf(function);
        logger.LogInformation("Timer {Function} scheduled '{Schedule}' (UTC)", function.Name, schedule.ToString());
        while (!ct.IsCancellationRequested)
        {
            var now = clock.GetUtcNow();
            var next = new DateTimeOffset(schedule.GetNextOccurrence(now.UtcDateTime), TimeSpan.Zero);
            try { await Task.Delay(next - now, clock, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            try { await RunAsync(function, ct).ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Functions does not retry a failed timer run either; the next occurrence will.
                logger.LogError(e, "Timer {Function} failed", function.Name);
            }
        }
    }

    private async Task RunAsync(TimerFunction function, CancellationToken ct)
    {
        var gate = _locks.GetOrAdd(function.Name, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await function.Run(services, ct).ConfigureAwait(false);
            _lastRuns[function.Name] = clock.GetUtcNow();
        }
        finally
        {
            gate.Release();
        }
    }
}
