namespace ConnCount.GatherBench;

/// <summary>Latency figures in milliseconds; percentiles by nearest rank.</summary>
internal sealed record LatencySummary(int Count, double MeanMs, double P50Ms, double P90Ms, double P99Ms, double MaxMs);
