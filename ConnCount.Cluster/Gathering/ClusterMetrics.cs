using System.Diagnostics.Metrics;

namespace ConnCount.Cluster.Gathering;

/// <summary>Instruments of the cluster gather, under the meter <c>ConnCount.Cluster</c>.</summary>
public static class ClusterMetrics
{
    /// <summary>The meter name to enable in OpenTelemetry.</summary>
    public const string MeterName = "ConnCount.Cluster";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Histogram<double> GatherDuration = Meter.CreateHistogram<double>(
        "conncount.gather.duration", unit: "s", description: "Time to gather every node's stats over NATS.");

    private static readonly Counter<long> MissingNodes = Meter.CreateCounter<long>(
        "conncount.gather.missing_nodes", unit: "{node}", description: "Expected nodes that did not answer a gather.");

    internal static void RecordGather(TimeSpan duration, int missing)
    {
        GatherDuration.Record(duration.TotalSeconds);
        if (missing > 0)
        {
            MissingNodes.Add(missing);
        }
    }
}
