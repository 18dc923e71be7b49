namespace ConnCount.Cluster.Aggregation;

/// <summary>What the directory last heard of a node: its identity, its headline counts and when.</summary>
public sealed record KnownNode(string Node, DateTimeOffset StartedAt, long Total, long Sockets, DateTimeOffset LastSeen);
