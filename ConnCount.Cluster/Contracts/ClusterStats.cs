using System.Text.Json.Serialization;
using ConnCount.Cluster.Aggregation;

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

    /// <summary>Distinct users (join-token subjects) over the answering nodes and the topics shown: a user on two nodes counts once.</summary>
    public long Users { get; init; }

    /// <summary>True when <see cref="Users"/> is a HyperLogLog estimate (some topic had too many users to list); absent when exact.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool UsersEstimated { get; init; }

    /// <summary>The relative standard error of an estimated <see cref="Users"/>; absent when exact.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? UsersError { get; init; }

    /// <summary>The users behind the counts, for views that show fewer topics; never serialized (it holds ids).</summary>
    [JsonIgnore]
    public ClusterUsers UserSets { get; init; } = ClusterUsers.None;

    /// <summary>These stats with <paramref name="count"/> as the cluster's users.</summary>
    public ClusterStats WithUsers(UserCount count) => this with { Users = count.Users, UsersEstimated = count.Estimated, UsersError = count.Error };
}

/// <summary>One topic across the cluster.</summary>
public sealed record TopicStats(long Total, IReadOnlyDictionary<string, long> Nodes)
{
    /// <summary>Distinct users of the topic over the answering nodes: a user on two nodes counts once.</summary>
    public long Users { get; init; }

    /// <summary>True when <see cref="Users"/> is a HyperLogLog estimate; absent when exact.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool UsersEstimated { get; init; }

    /// <summary>The relative standard error of an estimated <see cref="Users"/>; absent when exact.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? UsersError { get; init; }

    /// <summary>This topic with <paramref name="count"/> as its users.</summary>
    public TopicStats WithUsers(UserCount count) => this with { Users = count.Users, UsersEstimated = count.Estimated, UsersError = count.Error };
}

/// <summary>One node's headline counts, with when it started and when it was last heard from.</summary>
public sealed record NodeSummary(long Total, long Sockets, DateTimeOffset StartedAt, DateTimeOffset LastSeen, bool Draining = false, long Watchers = 0)
{
    /// <summary>Distinct users on the node over the topics shown; 0 for a missing node (heartbeats carry no users).</summary>
    public long Users { get; init; }

    /// <summary>True when <see cref="Users"/> is a HyperLogLog estimate; absent when exact.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool UsersEstimated { get; init; }

    /// <summary>The relative standard error of an estimated <see cref="Users"/>; absent when exact.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? UsersError { get; init; }

    /// <summary>This node with <paramref name="count"/> as its users.</summary>
    public NodeSummary WithUsers(UserCount count) => this with { Users = count.Users, UsersEstimated = count.Estimated, UsersError = count.Error };
}
