namespace ConnCount.Cluster.Aggregation;

/// <summary>What the directory last heard of one incarnation of a node: its identity (id and epoch), its headline counts and when.</summary>
/// <param name="StartedAt">The incarnation's epoch: a restarted process, or a second process with the same id, has another.</param>
public sealed record KnownNode(string Node, DateTimeOffset StartedAt, long Total, long Sockets, DateTimeOffset LastSeen)
{
    /// <summary>
    /// Whether a gather waits for this node: it was heard within the expiry. A node silent past it, whose sockets may
    /// still be open, is known but not awaited; it is missing from the answer all the same.
    /// </summary>
    public bool Awaited { get; init; } = true;

    /// <summary>When this incarnation was first heard; tells a duplicate identity from a restart.</summary>
    public DateTimeOffset FirstSeen { get; init; }
}
