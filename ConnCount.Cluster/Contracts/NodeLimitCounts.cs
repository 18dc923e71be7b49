namespace ConnCount.Cluster.Contracts;

/// <summary>
/// One node's limit counts: its joins of the topics, tenants and users that have cluster-wide limits, as they stood at the
/// start of <see cref="Round"/> (rounds are the Unix time divided by the sync interval, the same on every node).
/// <see cref="Admitting"/> says whether the node admits limited joins in that round; a node that does not (it is
/// still learning the cluster) needs no reservation for joins it might admit before its next publish.
/// </summary>
public sealed record NodeLimitCounts(
    string Node,
    DateTimeOffset StartedAt,
    long Round,
    bool Admitting,
    IReadOnlyDictionary<string, long> Topics,
    IReadOnlyDictionary<string, long> Tenants,
    IReadOnlyDictionary<string, long>? Users = null);
