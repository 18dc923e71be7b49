using System.Diagnostics.Metrics;

namespace ConnCount.Cluster.Gathering;

/// <summary>Instruments of the cluster gather, under the meter <c>ConnCount.Cluster</c>.</summary>
public static class ClusterMetrics
{
    /// <summary>The meter name to enable in OpenTelemetry.</summary>
    public const string MeterName = "ConnCount.Cluster";

    private static readonly Meter Meter = new(MeterName);

    // Gathers take milliseconds to about a second; the SDK's default buckets (0, 5, 10, ... 10000) suit milliseconds,
    // and would put every gather, measured in seconds, into the first bucket.
    private static readonly Histogram<double> GatherDuration = Meter.CreateHistogram(
        "conncount.gather.duration",
        unit: "s",
        description: "Time to gather every node's stats over NATS.",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });

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
