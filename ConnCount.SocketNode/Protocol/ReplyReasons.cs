namespace ConnCount.SocketNode.Protocol;

/// <summary>
/// Every reason this node gives in an <c>error</c> reply or a close frame: one vocabulary, beside
/// <see cref="PhoenixEvents"/>. Clients match on these strings, so they are part of the wire protocol.
/// </summary>
public static class ReplyReasons
{
    /// <summary>Join refused: no join_ref was sent.</summary>
    public const string MissingJoinRef = "missing join_ref";

    /// <summary>Join refused: the topic is empty.</summary>
    public const string InvalidTopic = "invalid topic";

    /// <summary>Join refused: the topic is reserved for the socket itself.</summary>
    public const string ReservedTopic = "reserved topic";

    /// <summary>Join refused: the topic is longer than <see cref="SocketNodeOptions.MaxTopicLength"/>.</summary>
    public const string TopicTooLong = "topic too long";

    /// <summary>Join refused: the socket has joined <see cref="SocketNodeOptions.MaxChannelsPerSocket"/> topics.</summary>
    public const string TooManyChannels = "too many channels joined";

    /// <summary>Join refused: this socket joins faster than allowed.</summary>
    public const string TooManyJoins = "too many joins, slow down";

    /// <summary>Join refused: a missing, invalid, expired or insufficient token.</summary>
    public const string Unauthorized = "unauthorized";

    /// <summary>Join refused: the topic has reached its cluster-wide limit.</summary>
    public const string TopicFull = "topic limit reached";

    /// <summary>Join refused: the tenant has reached its plan's cluster-wide limit.</summary>
    public const string TenantFull = "tenant limit reached";

    /// <summary>Join refused: the user (the join token's <c>sub</c>) holds <c>ConnCount:Limits:MaxJoinsPerUser</c> joins across the cluster.</summary>
    public const string UserFull = "user limit reached";

    /// <summary>A push or leave on a topic this socket has not joined.</summary>
    public const string UnmatchedTopic = "unmatched topic";

    /// <summary>A push of an event this server does not know: a topic that carries no messages (no <c>ConnCount:Messages</c> rule) knows only the stats events.</summary>
    public const string UnknownEvent = "unknown event";

    /// <summary>A push of an event name the protocol keeps for itself (<c>phx_*</c>, <c>get_*</c>, <c>presence_*</c>, <c>connection_stats</c>).</summary>
    public const string ReservedEvent = "reserved event";

    /// <summary>A push on a topic whose rule lets only the server publish.</summary>
    public const string ClientMessagesNotAllowed = "client messages not allowed";

    /// <summary>A push by a member whose join token withheld publishing (<c>"publish": false</c>).</summary>
    public const string PublishNotAllowed = "publishing not allowed by the join token";

    /// <summary>A push whose payload is larger than its topic's rule allows.</summary>
    public const string PayloadTooLarge = "payload too large";

    /// <summary>A push over the socket's message rate for the topic's rule.</summary>
    public const string MessageRateExceeded = "message rate exceeded";

    /// <summary>A cluster-wide query that could not be gathered (NATS down).</summary>
    public const string ClusterUnavailable = "cluster unavailable";

    /// <summary>The close reason sent with <see cref="Node.NodeDisconnector.CloseStatus"/> to a socket an admin disconnected.</summary>
    public const string DisconnectedByAdmin = "disconnected by admin";

    /// <summary>The close reason sent to a socket silent past <see cref="SocketNodeOptions.IdleTimeout"/>.</summary>
    public const string IdleTimeout = "idle timeout";
}
