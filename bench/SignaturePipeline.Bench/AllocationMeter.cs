using System.Diagnostics.Tracing;

namespace SignaturePipeline.Bench;

/// <summary>
/// Bytes this process allocates from construction on, summed from the runtime's allocation ticks (one per ~100 KiB per
/// heap). Not <c>GC.GetTotalAllocatedBytes</c>: under server GC, .NET 10's DATAS changes the number of heaps at run time and
/// that total sums only the heaps active at the moment, so it drops when a heap is taken out of service: a round printed
/// −191 KiB per signature on 10.0.12 (dotnet/runtime#131069 makes the runtime sum every heap). Ticks only ever add.
/// </summary>
public sealed class AllocationMeter : EventListener
{
    private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private long _bytes;
    private volatile bool _counting = true;

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == RuntimeSource) EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_counting || eventData.EventName is null || !eventData.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal)) return;
        var at = eventData.PayloadNames?.IndexOf("AllocationAmount64") ?? -1;
        if (at >= 0 && eventData.Payload![at] is { } amount) Interlocked.Add(ref _bytes, Convert.ToInt64(amount, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The bytes allocated so far. The runtime hands events to listeners from a buffer, up to about a second late: the
    /// phase is over when this is called, so waiting that second (the process nearly idle) lets the phase's last ticks in.
    /// </summary>
    public async Task<long> BytesAsync()
    {
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        _counting = false;
        return Interlocked.Read(ref _bytes);
    }
}
