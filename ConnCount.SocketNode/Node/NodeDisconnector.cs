using System.Net.WebSockets;
using ConnCount.Cluster.Contracts;
using ConnCount.SocketNode.Protocol;
using ConnCount.SocketNode.Sockets;

namespace ConnCount.SocketNode.Node;

/// <summary>
/// Closes the sockets an admin selects (<see cref="DisconnectRequest"/>: a user's, a topic's, or all of this node's)
/// with <see cref="CloseStatus"/> and <see cref="ReplyReasons.DisconnectedByAdmin"/>, which the client sees as its
/// close event's code and reason. Each socket then ends on its own close path, which counts each of its memberships
/// down once; nothing here touches a count.
/// </summary>
/// <remarks>
/// The phoenix JavaScript client reconnects after any close but 1000, as it does after 1001: a disconnect ends the
/// sockets and their memberships now, it does not keep anyone out. To keep a user out, stop issuing (or shorten) their
/// tokens; a socket that still holds a valid one can join again.
/// </remarks>
public sealed partial class NodeDisconnector(SessionTracker sessions, NodeIdentity identity, ILogger<NodeDisconnector> logger)
{
    /// <summary>
    /// The close code: in the 4000–4999 range RFC 6455 leaves to applications, so a client can tell an admin's
    /// disconnect from a node going away (1001) or an idle timeout (1001, "idle timeout").
    /// </summary>
    public const WebSocketCloseStatus CloseStatus = (WebSocketCloseStatus)4001;

    /// <summary>Closes the sockets <paramref name="request"/> selects; answers once they are gone.</summary>
    /// <param name="wholeNode">
    /// The request came on this node's own subject: no selector means every socket. On the subject every node hears, a
    /// request without exactly one selector closes nothing, so a malformed one cannot empty the cluster.
    /// </param>
    public async Task<DisconnectReply> DisconnectAsync(DisconnectRequest request, bool wholeNode)
    {
        Func<PhoenixConnection, bool>? match = (request.CountSelectors(), request) switch
        {
            (0, _) when wholeNode => static _ => true,
            (1, { User: { } user }) => c => c.ShowedUser(user),
            (1, { Topic: { } topic }) => c => c.Holds(topic),
            _ => null,
        };
        if (match is null)
        {
            LogRefused();
            return new DisconnectReply(identity.Id, 0);
        }

        var closed = await sessions.CloseMatchingAsync(match, CloseStatus, ReplyReasons.DisconnectedByAdmin);
        LogDisconnected(closed, request.User is not null ? "user" : request.Topic is not null ? "topic" : "node");
        return new DisconnectReply(identity.Id, closed);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Disconnected {Count} sockets for an admin (by {Selector})")]
    private partial void LogDisconnected(int count, string selector);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored a disconnect request that did not select exactly one user or topic")]
    private partial void LogRefused();
}
