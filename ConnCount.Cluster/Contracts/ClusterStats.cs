namespace ConnCount.Cluster.Contracts;

/// <summary>The whole cluster, as answered by <c>GET /api/stats</c> and <c>get_cluster_connection_stats</c>.</summary>
/// <param name="TotalConnections">Sum of topic memberships over the nodes that answered.</param>
/// <param name="TotalSockets">Sum of open sockets over the nodes that answered.</param>
/// <param name="ClusterSize">Number of nodes that answered; their counts are in the totals.</param>
/// <param name="Topics">Per topic: the cluster total and each answering node's share.</param>
/// <param name="Nodes">Per answering node: its totals.</param>
/// <param name="Partial">
/// True unless every node the cluster knew answered: a live node that did not answer in time, a silent node whose
/// sockets may still be open (it lingers), or two processes with one node id (<see cref="DuplicateNodes"/>).
/// </param>
/// <param name="MissingNodes">Known nodes that did not answer, live or lingering; not counted in any total.</param>
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
    long TotalWatchers = 0)
{
    /// <summary>Node ids announced by two live processes at once (a duplicate identity); the answer is partial while any is listed.</summary>
    public IReadOnlyList<string> DuplicateNodes { get; init; } = [];
}

/// <summary>One topic across the cluster.</summary>
public sealed record TopicStats(long Total, IReadOnlyDictionary<string, long> Nodes);

/// <summary>One node's headline counts, with when it started and when it was last heard from.</summary>
public sealed record NodeSummary(long Total, long Sockets, DateTimeOffset StartedAt, DateTimeOffset LastSeen, bool Draining = false, long Watchers = 0);
