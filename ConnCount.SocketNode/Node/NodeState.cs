namespace ConnCount.SocketNode.Node;

/// <summary>Whether the node is draining: refusing new sockets while its clients move to other replicas.</summary>
public sealed class NodeState
{
    private volatile bool _draining;

    public bool Draining => _draining;

    public void SetDraining(bool draining) => _draining = draining;
}
