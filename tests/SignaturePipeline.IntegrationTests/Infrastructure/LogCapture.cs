using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace SignaturePipeline.IntegrationTests.Infrastructure;

/// <summary>Keeps every log line of a service provider, so a test can wait for a moment the code reports (a failed write).</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public async Task WaitForAsync(Func<string, bool> match, TimeSpan limit)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!_lines.Any(match))
        {
            if (waited.Elapsed > limit) throw new TimeoutException($"No log line matched within {limit}. Lines:{Environment.NewLine}{string.Join(Environment.NewLine, _lines)}");
            await Task.Delay(50);
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose() { }

    private sealed class Logger(LogCapture capture) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            capture._lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
    }
}
