namespace ConnCount.Cluster.Contracts;

/// <summary>One node's limit counts: its current joins of the topics and tenants that have cluster-wide limits.</summary>
public sealed record NodeLimitCounts(
    string Node,
    DateTimeOffset StartedAt,
    IReadOnlyDictionary<string, long> Topics,
    IReadOnlyDictionary<string, long> Tenants);
