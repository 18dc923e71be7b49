namespace ConnCount.Cluster.Contracts;

/// <summary>One node's current joins of the topics and tenants that have cluster-wide limits.</summary>
public sealed record NodeUsage(
    string Node,
    DateTimeOffset StartedAt,
    IReadOnlyDictionary<string, long> Topics,
    IReadOnlyDictionary<string, long> Tenants);
