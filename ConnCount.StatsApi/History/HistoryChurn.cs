using ConnCount.Cluster.Contracts;

namespace ConnCount.StatsApi.History;

/// <summary>
/// Joins and leaves since the previous sample, from the nodes' counters since each started: the difference between
/// this sample and the previous one of the same node incarnation, however long ago it was taken (a skipped instant
/// only makes one sample's churn cover more time). A node that started since the previous sample counts whole; one
/// the recorder has no previous sample of (the recorder just started, or the node was missing) counts its
/// last-minute churn window, scaled to the interval, and marks the figure as not exact.
/// </summary>
public sealed class HistoryChurn
{
    private Dictionary<(string Node, DateTimeOffset StartedAt), (long Joins, long Leaves)> _previous = [];
    private DateTimeOffset? _previousAt;

    /// <summary>
    /// The churn since the previous accepted sample (<see cref="Reading.Since"/>, null for the first) up to
    /// <paramref name="at"/>; <see cref="Accept"/> it once stored, so a sample that could not be stored leaves its
    /// churn to the next.
    /// </summary>
    public Reading Measure(DateTimeOffset at, TimeSpan interval, IReadOnlyDictionary<string, UsageNodeView> nodes)
    {
        var previousAt = _previousAt;
        var current = new Dictionary<(string Node, DateTimeOffset StartedAt), (long Joins, long Leaves)>(nodes.Count);
        long joins = 0, leaves = 0;
        var exact = true;
        foreach (var (node, view) in nodes)
        {
            var totals = view.Totals;
            current[(node, view.StartedAt)] = (totals.Joins, totals.Leaves);
            if (previousAt is not null && _previous.TryGetValue((node, view.StartedAt), out var before))
            {
                joins += Math.Max(0, totals.Joins - before.Joins);
                leaves += Math.Max(0, totals.Leaves - before.Leaves);
            }
            else if (previousAt is { } since && view.StartedAt >= since)
            {
                joins += totals.Joins;
                leaves += totals.Leaves;
            }
            else
            {
                joins += Scale(totals.JoinsPerMinute, interval);
                leaves += Scale(totals.LeavesPerMinute, interval);
                exact = false;
            }
        }

        return new Reading(joins, leaves, exact, previousAt, at, current);
    }

    /// <summary>Makes <paramref name="reading"/>'s counters the ones the next sample is measured from.</summary>
    public void Accept(Reading reading)
    {
        _previous = reading.Counters;
        _previousAt = reading.At;
    }

    /// <summary>One measured sample's churn, and the counters it was measured at.</summary>
    public sealed record Reading(
        long Joins,
        long Leaves,
        bool Exact,
        DateTimeOffset? Since,
        DateTimeOffset At,
        Dictionary<(string Node, DateTimeOffset StartedAt), (long Joins, long Leaves)> Counters);

    private static long Scale(long perMinute, TimeSpan interval) => (long)Math.Round(perMinute * interval.TotalMinutes);
}
