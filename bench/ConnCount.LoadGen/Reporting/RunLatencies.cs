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

    /// <summary>fanout-latency, one sample per message: its send timestamp to the last member reading it.</summary>
    public LatencyHistogram LastDelivery { get; } = new();

    /// <summary>fanout-latency, one sample per member and message: send timestamp to that member reading it.</summary>
    public LatencyHistogram Delivery { get; } = new();

    /// <summary>presence-latency: the joiner reading its join reply to the watcher reading the join's <c>presence_diff</c>.</summary>
    public LatencyHistogram PresenceJoin { get; } = new();

    /// <summary>presence-latency: the join frame's send to the watcher reading the join's <c>presence_diff</c>.</summary>
    public LatencyHistogram PresenceJoinFromSend { get; } = new();

    /// <summary>presence-latency: the leave frame's send to the watcher reading the leave's <c>presence_diff</c>.</summary>
    public LatencyHistogram PresenceLeave { get; } = new();

    /// <summary>Only histograms that saw a sample, so the report shows what the mode measured.</summary>
    public IReadOnlyDictionary<string, LatencySummary> Summarize()
    {
        var result = new Dictionary<string, LatencySummary>();
        foreach (var (name, histogram) in new[] { ("connect", Connect), ("join", Join), ("leave", Leave), ("pair", Pair), ("cycle", Cycle),
            ("last_delivery", LastDelivery), ("delivery", Delivery),
            ("presence_join_diff", PresenceJoin), ("presence_join_diff_from_send", PresenceJoinFromSend), ("presence_leave_diff", PresenceLeave) })
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
