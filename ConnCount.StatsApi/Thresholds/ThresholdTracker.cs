using ConnCount.Cluster.Contracts;

namespace ConnCount.StatsApi.Thresholds;

/// <summary>
/// Evaluates threshold rules against successive cluster stats and returns the crossings (a pure state
/// machine, no I/O). Everything starts below. Partial stats are not evaluated for cluster and topic
/// rules, since a missing node would look like a drop; node rules skip the nodes that did not answer.
/// </summary>
public sealed class ThresholdTracker(IReadOnlyList<ThresholdRule> rules)
{
    private readonly HashSet<(string Rule, string Key)> _above = [];

    public IReadOnlyList<ThresholdEvent> Evaluate(ClusterStats stats)
    {
        var events = new List<ThresholdEvent>();
        foreach (var rule in rules)
        {
            foreach (var (key, value) in Values(rule, stats))
            {
                var id = (rule.Name, key);
                var above = _above.Contains(id);
                if (!above && value >= rule.Up)
                {
                    _above.Add(id);
                    events.Add(new ThresholdEvent(rule.Name, rule.Scope, key, "up", value, rule.Up, rule.Down, stats.GatheredAt));
                }
                else if (above && value <= rule.Down)
                {
                    _above.Remove(id);
                    events.Add(new ThresholdEvent(rule.Name, rule.Scope, key, "down", value, rule.Up, rule.Down, stats.GatheredAt));
                }
            }
        }

        return events;
    }

    private static IEnumerable<(string Key, long Value)> Values(ThresholdRule rule, ClusterStats stats)
    {
        var sockets = rule.Metric == "sockets";
        switch (rule.Scope)
        {
            case "cluster" when !stats.Partial:
                yield return ("cluster", sockets ? stats.TotalSockets : stats.TotalConnections);
                break;
            case "topic" when !stats.Partial:
                yield return (rule.Topic!, stats.Topics.TryGetValue(rule.Topic!, out var topic) ? topic.Total : 0);
                break;
            case "node":
                foreach (var (node, summary) in stats.Nodes)
                {
                    yield return (node, sockets ? summary.Sockets : summary.Total);
                }

                break;
        }
    }
}
