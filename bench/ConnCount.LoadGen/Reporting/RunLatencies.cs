namespace ConnCount.LoadGen.Reporting;

/// <summary>The latencies a run measures, one histogram each.</summary>
internal sealed class RunLatencies
{
    /// <summary>TCP connect plus WebSocket upgrade.</summary>
    public LatencyHistogram Connect { get; } = new();

    /// <summary>Join sent to its reply.</summary>
    public LatencyHistogram Join { get; } = new();

    /// <summary>Leave sent to its reply.</summary>
    public LatencyHistogram Leave { get; } = new();

    /// <summary>A pipelined join/leave pair, first send to the leave reply.</summary>
    public LatencyHistogram Pair { get; } = new();

    /// <summary>One whole cycle (connect, join, leave, close or connect, close).</summary>
    public LatencyHistogram Cycle { get; } = new();

    /// <summary>Only histograms that saw a sample, so the report shows what the mode measured.</summary>
    public IReadOnlyDictionary<string, LatencySummary> Summarize()
    {
        var result = new Dictionary<string, LatencySummary>();
        foreach (var (name, histogram) in new[] { ("connect", Connect), ("join", Join), ("leave", Leave), ("pair", Pair), ("cycle", Cycle) })
        {
            var summary = histogram.Summarize();
            if (summary.Count > 0)
            {
                result[name] = summary;
            }
        }

        return result;
    }
}
