using ConnCount.Cluster.Contracts;

namespace ConnCount.Cluster;

/// <summary>
/// Folds the nodes' replies to one scatter-gather into the cluster's view. A pure function: no I/O,
/// no clock, so every rule about totals, missing nodes and partial results is testable on its own.
/// </summary>
public static class ClusterAggregator
{
    /// <summary>Aggregates the replies of one gather.</summary>
    /// <param name="replies">Every reply received; a node that answered twice counts once (its last reply).</param>
    /// <param name="expected">The nodes the directory knew of when the gather started.</param>
    /// <param name="gatheredAt">When the gather completed; the answering nodes were last seen then.</param>
    public static ClusterStats Aggregate(
        IEnumerable<NodeStats> replies,
        IEnumerable<KnownNode> expected,
        DateTimeOffset gatheredAt)
    {
        var byNode = new Dictionary<string, NodeStats>(StringComparer.Ordinal);
        foreach (var reply in replies)
        {
            byNode[reply.Node] = reply;
        }

        var topicNodes = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        var nodes = new SortedDictionary<string, NodeSummary>(StringComparer.Ordinal);
        long totalConnections = 0, totalSockets = 0;

        foreach (var (node, stats) in byNode)
        {
            long nodeTotal = 0;
            foreach (var (topic, count) in stats.Connections)
            {
                if (count <= 0)
                {
                    continue;
                }

                if (!topicNodes.TryGetValue(topic, out var perNode))
                {
                    topicNodes[topic] = perNode = new Dictionary<string, long>(StringComparer.Ordinal);
                }

                perNode[node] = count;
                nodeTotal += count;
            }

            // The topic map is the source of truth: a node's total is the sum of what it reports per topic.
            totalConnections += nodeTotal;
            totalSockets += stats.Sockets;
            nodes[node] = new NodeSummary(nodeTotal, stats.Sockets, stats.StartedAt, gatheredAt, stats.Draining);
        }

        var topics = new SortedDictionary<string, TopicStats>(StringComparer.Ordinal);
        foreach (var (topic, perNode) in topicNodes)
        {
            topics[topic] = new TopicStats(perNode.Values.Sum(), perNode);
        }

        var missing = new List<string>();
        var stale = new SortedDictionary<string, NodeSummary>(StringComparer.Ordinal);
        foreach (var known in expected)
        {
            if (!byNode.ContainsKey(known.Node) && !stale.ContainsKey(known.Node))
            {
                missing.Add(known.Node);
                stale[known.Node] = new NodeSummary(known.Total, known.Sockets, known.StartedAt, known.LastSeen);
            }
        }

        missing.Sort(StringComparer.Ordinal);

        return new ClusterStats(
            totalConnections,
            totalSockets,
            byNode.Count,
            topics,
            nodes,
            Partial: missing.Count > 0,
            missing,
            stale,
            gatheredAt);
    }
}
