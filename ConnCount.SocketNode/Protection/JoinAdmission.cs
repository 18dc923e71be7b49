using ConnCount.SocketNode.Protocol;

namespace ConnCount.SocketNode.Protection;

/// <summary>What one join asks for, as the socket's receive loop knows it.</summary>
/// <param name="JoinRef">The frame's join_ref; null when it sent none.</param>
/// <param name="Topic">The topic to join.</param>
/// <param name="Rejoin">The socket has joined <paramref name="Topic"/> already (a rejoin replaces that channel).</param>
/// <param name="ChannelsJoined">Channels the socket holds now.</param>
public readonly record struct JoinRequest(string? JoinRef, string Topic, bool Rejoin, int ChannelsJoined);

/// <summary>
/// Where a join is admitted or refused: the ordered refusals, each giving its <see cref="ReplyReasons"/> reason.
/// A decision reads only its arguments (no clock, no shared state), so every step and the order are unit-tested.
/// </summary>
/// <remarks>
/// The order, first refusal wins:
/// <list type="number">
/// <item><see cref="ReplyReasons.MissingJoinRef"/>, <see cref="ReplyReasons.InvalidTopic"/>,
/// <see cref="ReplyReasons.ReservedTopic"/>, <see cref="ReplyReasons.TopicTooLong"/>: the frame itself;</item>
/// <item><see cref="ReplyReasons.TooManyChannels"/> (not for a rejoin) and <see cref="ReplyReasons.TooManyJoins"/>:
/// the socket's own limits (<see cref="CheckRequest"/>); a join refused before this step takes no join-rate token;</item>
/// <item><see cref="ReplyReasons.Unauthorized"/>: the token (<see cref="CheckAccess"/>);</item>
/// <item><see cref="ReplyReasons.TopicFull"/>, <see cref="ReplyReasons.TenantFull"/>: the cluster-wide budgets
/// (<see cref="ClusterLimitBudget.TryAdmit"/>), last because admitting takes budget; never for a rejoin or a watcher.</item>
/// </list>
/// </remarks>
public sealed class JoinAdmission(int maxTopicLength, int maxChannelsPerSocket, int joinsPerSecond)
{
    /// <summary>The frame's and the socket's own refusals; takes a join-rate token from <paramref name="rate"/> when all else passes.</summary>
    /// <param name="rate">The socket's join-rate bucket.</param>
    /// <param name="nowMs">Milliseconds of a monotonic clock, for the bucket.</param>
    /// <returns>The refusal reason, or null to go on.</returns>
    public string? CheckRequest(in JoinRequest request, ref JoinRateBucket rate, long nowMs) => request switch
    {
        { JoinRef: null } => ReplyReasons.MissingJoinRef,
        { Topic.Length: 0 } => ReplyReasons.InvalidTopic,
        { Topic: PhoenixEvents.SocketTopic } => ReplyReasons.ReservedTopic,
        _ when request.Topic.Length > maxTopicLength => ReplyReasons.TopicTooLong,
        { Rejoin: false } when request.ChannelsJoined >= maxChannelsPerSocket => ReplyReasons.TooManyChannels,
        _ when !rate.TryTake(joinsPerSecond, nowMs) => ReplyReasons.TooManyJoins,
        _ => null,
    };

    /// <summary>The token's refusal.</summary>
    /// <param name="grant">What the join's token grants for the topic; null when it grants nothing.</param>
    /// <param name="watchAllowed">For a <c>stats:*</c> topic, whether the socket may see the watched topic; true otherwise.</param>
    /// <returns><see cref="ReplyReasons.Unauthorized"/>, or null to go on.</returns>
    public static string? CheckAccess(JoinGrant? grant, bool watchAllowed) =>
        grant is null || !watchAllowed ? ReplyReasons.Unauthorized : null;
}
