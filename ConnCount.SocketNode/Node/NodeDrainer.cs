using ConnCount.Cluster.Contracts;
using ConnCount.SocketNode.Sockets;

namespace ConnCount.SocketNode.Node;

/// <summary>
/// Drains and resumes this node, whoever asks: its own <c>/admin/drain</c> or a NATS request on its admin subjects.
/// Draining refuses new upgrades (503, <c>Retry-After</c>) and closes the open sockets with 1001 so their clients
/// reconnect to another replica; resuming accepts sockets again.
/// </summary>
public sealed partial class NodeDrainer(NodeState state, SessionTracker sessions, NodeIdentity identity, ILogger<NodeDrainer> logger)
{
    /// <summary>Starts refusing sockets, then closes the open ones; answers once they are closed.</summary>
    /// <param name="requestedBy">Who asked, for the log (<c>http</c>, <c>nats</c>).</param>
    public async Task<DrainStatus> DrainAsync(string requestedBy)
    {
        // Refuse first, so no socket slips in behind the close.
        state.SetDraining(true);
        LogDraining(requestedBy);
        var closed = await sessions.CloseAllAsync("node draining");
        return new DrainStatus(identity.Id, Draining: true, closed);
    }

    /// <summary>Accepts sockets again.</summary>
    /// <param name="requestedBy">Who asked, for the log.</param>
    public DrainStatus Resume(string requestedBy)
    {
        state.SetDraining(false);
        LogResumed(requestedBy);
        return new DrainStatus(identity.Id, Draining: false, SocketsClosed: 0);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Draining (asked over {RequestedBy}): refusing new sockets and closing the open ones with 1001")]
    private partial void LogDraining(string requestedBy);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resumed (asked over {RequestedBy}): accepting sockets again")]
    private partial void LogResumed(string requestedBy);
}
