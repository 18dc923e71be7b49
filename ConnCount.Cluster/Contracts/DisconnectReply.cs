namespace ConnCount.Cluster.Contracts;

/// <summary>
/// One node's answer to a <see cref="DisconnectRequest"/>, sent once the sockets it selected are gone (their clients
/// finished the close handshake, or were cut off after the node's close grace).
/// </summary>
/// <param name="Node">The node that answered.</param>
/// <param name="SocketsClosed">Sockets it closed; 0 when none matched, or when it refused a request that selected nothing.</param>
public sealed record DisconnectReply(string Node, int SocketsClosed);
