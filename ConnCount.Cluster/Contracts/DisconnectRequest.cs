namespace ConnCount.Cluster.Contracts;

/// <summary>
/// Which sockets a node should close for an admin, over NATS: on <see cref="NatsSubjects.Disconnect"/> (every node)
/// exactly one selector is set; on <see cref="NatsSubjects.NodeDisconnect"/> (that node alone) none selects all of its
/// sockets. Every node answers a <see cref="DisconnectReply"/>.
/// </summary>
/// <param name="User">Sockets that showed a valid token (<c>authToken</c> or a join's) whose <c>sub</c> is this user.</param>
/// <param name="Topic">Sockets holding a membership of exactly this topic (a <c>stats:*</c> watch is a topic of its own).</param>
public sealed record DisconnectRequest(string? User = null, string? Topic = null)
{
    /// <summary>How many selectors are set.</summary>
    public int CountSelectors() => (User is null ? 0 : 1) + (Topic is null ? 0 : 1);
}
