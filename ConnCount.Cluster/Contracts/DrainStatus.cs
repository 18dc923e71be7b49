namespace ConnCount.Cluster.Contracts;

/// <summary>
/// A node's answer to a drain or resume, over NATS (<see cref="NatsSubjects.NodeDrain"/>, <see cref="NatsSubjects.NodeResume"/>)
/// and from its own <c>/admin/drain</c>.
/// </summary>
/// <param name="Node">The node that drained or resumed.</param>
/// <param name="Draining">Whether the node now refuses new sockets.</param>
/// <param name="SocketsClosed">Sockets the drain closed with 1001; 0 for a resume.</param>
public sealed record DrainStatus(string Node, bool Draining, int SocketsClosed);
