using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using SignaturePipeline.Storage;

namespace SignaturePipeline.Bench;

/// <summary>Listens to the pipeline's metrics over one phase: how many signatures shared a queue message, how many operations a transaction.</summary>
public sealed class Grouping : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, (long Count, long Sum)> _totals = new(StringComparer.Ordinal);

    public Grouping()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PipelineMetrics.MeterName) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) =>
        {
            var key = instrument.Name;
            foreach (var tag in tags) key += "/" + tag.Value;
            _totals.AddOrUpdate(key, (1, value), (_, t) => (t.Count + 1, t.Sum + value));
        });
        _listener.Start();
    }

    /// <summary>Measurements and their sum for one instrument (and table), since construction.</summary>
    public (long Count, long Sum) Of(Histogram<int> instrument, string? table = null) =>
        _totals.GetValueOrDefault(instrument.Name + (table is null ? "" : "/" + table));

    public void Dispose() => _listener.Dispose();
}
