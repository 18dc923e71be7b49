namespace ConnCount.Cluster.Contracts;

/// <summary>What an admin disconnect did across the cluster (<c>POST /api/admin/disconnect</c>).</summary>
/// <param name="By">The selector: <c>user</c>, <c>topic</c> or <c>node</c>.</param>
/// <param name="Value">The user, topic or node id selected.</param>
/// <param name="SocketsClosed">The sum of <paramref name="Nodes"/>.</param>
/// <param name="Nodes">Sockets closed by each node that answered (0 where none matched).</param>
/// <param name="Partial">True when a node the cluster knows did not answer: it may still hold matching sockets.</param>
/// <param name="MissingNodes">The nodes that did not answer, by id.</param>
public sealed record DisconnectResult(
    string By,
    string Value,
    int SocketsClosed,
    IReadOnlyDictionary<string, int> Nodes,
    bool Partial,
    IReadOnlyList<string> MissingNodes);
