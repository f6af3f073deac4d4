using System.Diagnostics.Metrics;

namespace SignaturePipeline.Storage;

/// <summary>
/// How well intake batching and the group commit group, as metrics (meter <see cref="MeterName"/>): signatures per queue message and
/// operations per table transaction. Azurite and Azure both charge per request, so these two ratios are what the
/// pipeline's throughput and bill follow; an OpenTelemetry exporter or <c>dotnet-counters</c> reads them, and the
/// benchmark reports them.
/// </summary>
public static class PipelineMetrics
{
    public const string MeterName = "SignaturePipeline";
    public const string TableTag = "table";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>One measurement per queue message written by intake: the signatures it carries.</summary>
    public static readonly Histogram<int> SignaturesPerMessage =
        Meter.CreateHistogram<int>("signaturepipeline.queue.signatures_per_message", "{signature}", "Signatures carried by one queue message written by intake.");

    /// <summary>One measurement per entity-group transaction that landed, tagged with its table: the operations in it.</summary>
    public static readonly Histogram<int> OperationsPerTransaction =
        Meter.CreateHistogram<int>("signaturepipeline.table.operations_per_transaction", "{operation}", "Operations in one entity-group transaction that landed.");

    internal static void Transaction(string table, int operations) =>
        OperationsPerTransaction.Record(operations, new KeyValuePair<string, object?>(TableTag, table));
}
