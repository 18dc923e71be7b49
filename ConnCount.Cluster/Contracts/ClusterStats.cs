namespace ConnCount.Cluster.Contracts;

/// <summary>The whole cluster, as answered by <c>GET /api/stats</c> and <c>get_cluster_connection_stats</c>.</summary>
/// <param name="TotalConnections">Sum of topic memberships over the nodes that answered.</param>
/// <param name="TotalSockets">Sum of open sockets over the nodes that answered.</param>
/// <param name="ClusterSize">Number of nodes that answered; their counts are in the totals.</param>
/// <param name="Topics">Per topic: the cluster total and each answering node's share.</param>
/// <param name="Nodes">Per answering node: its totals.</param>
/// <param name="Partial">True when an expected node did not answer in time.</param>
/// <param name="MissingNodes">Nodes that were expected but did not answer; not counted in any total.</param>
/// <param name="Stale">Last-known counts of the missing nodes, for information only.</param>
/// <param name="GatheredAt">When the gather completed.</param>
/// <param name="TotalWatchers">Sum of <c>stats:*</c> watchers over the nodes that answered; not in <paramref name="TotalConnections"/>.</param>
public sealed record ClusterStats(
    long TotalConnections,
    long TotalSockets,
    int ClusterSize,
    IReadOnlyDictionary<string, TopicStats> Topics,
    IReadOnlyDictionary<string, NodeSummary> Nodes,
    bool Partial,
    IReadOnlyList<string> MissingNodes,
    IReadOnlyDictionary<string, NodeSummary> Stale,
    DateTimeOffset GatheredAt,
    long TotalWatchers = 0);

/// <summary>One topic across the cluster.</summary>
public sealed record TopicStats(long Total, IReadOnlyDictionary<string, long> Nodes);

/// <summary>One node's headline counts, with when it started and when it was last heard from.</summary>
public sealed record NodeSummary(long Total, long Sockets, DateTimeOffset StartedAt, DateTimeOffset LastSeen, bool Draining = false, long Watchers = 0);
