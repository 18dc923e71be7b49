using System.Text.Json;
using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Gathering;
using ConnCount.SocketNode.Node;
using ConnCount.SocketNode.Protection;
using ConnCount.SocketNode.Protocol;

namespace ConnCount.SocketNode.Sockets;

/// <summary>The answer to a channel event: a reply status and, for <c>ok</c>, a response body writer.</summary>
public readonly record struct ChannelReply(bool Ok, string? Reason, Action<Utf8JsonWriter>? Response)
{
    public static ChannelReply Success(Action<Utf8JsonWriter> response) => new(true, null, response);

    public static ChannelReply Failure(string reason) => new(false, reason, null);
}

/// <summary>
/// Answers the events a joined channel can push: the stats queries, each as the asking socket may see it
/// (<see cref="StatsVisibility"/>).
/// </summary>
public sealed class ChannelEventHandler(
    NodeStatsSource source,
    ClusterStatsClient cluster,
    Usage.UsageChannelEvent usage,
    StatsVisibility visibility,
    ILogger<ChannelEventHandler> logger)
{
    /// <summary>Whether <paramref name="evt"/> is one of the stats events this handler answers.</summary>
    public static bool Answers(string evt) =>
        evt is PhoenixEvents.GetConnectionStats or PhoenixEvents.GetMonitoringInfo or PhoenixEvents.GetClusterConnectionStats or PhoenixEvents.GetUsageStats;

    /// <param name="evt">The pushed event.</param>
    /// <param name="access">What the asking socket may see; null for a socket that showed no valid token.</param>
    public async ValueTask<ChannelReply> HandleAsync(string evt, SocketReadAccess? access, CancellationToken cancellationToken)
    {
        switch (evt)
        {
            case PhoenixEvents.GetConnectionStats when visibility.MayReadCrossTopic(access):
                // Users counted after the filter, over the topics shown only: a hidden topic's users are hidden too.
                var stats = source.WithUserCounts(visibility.Filter(source.GetStats(), access));
                return ChannelReply.Success(w => JsonSerializer.Serialize(w, stats, ClusterJsonContext.Default.NodeStats));

            case PhoenixEvents.GetMonitoringInfo when visibility.MayReadCrossTopic(access):
                var info = visibility.Filter(source.GetMonitoringInfo(), visibility.Filter(source.GetStats(), access), access);
                return ChannelReply.Success(w => JsonSerializer.Serialize(w, info, SocketNodeJsonContext.Default.MonitoringInfo));

            case PhoenixEvents.GetClusterConnectionStats when visibility.MayReadCrossTopic(access):
                using (SocketNodeTelemetry.StartSocketEvent(evt))
                try
                {
                    var clusterStats = visibility.Filter(await cluster.GetAsync(cancellationToken), access);
                    return ChannelReply.Success(w => JsonSerializer.Serialize(w, clusterStats, ClusterJsonContext.Default.ClusterStats));
                }
                catch (ClusterUnavailableException ex)
                {
                    logger.LogWarning("Cluster stats unavailable: {Reason}", ex.Message);
                    return ChannelReply.Failure(ReplyReasons.ClusterUnavailable);
                }

            case PhoenixEvents.GetUsageStats when visibility.MayReadUsage(access):
                using (SocketNodeTelemetry.StartSocketEvent(evt))
                {
                    return await usage.HandleAsync(cancellationToken);
                }

            case PhoenixEvents.GetConnectionStats or PhoenixEvents.GetMonitoringInfo or PhoenixEvents.GetClusterConnectionStats or PhoenixEvents.GetUsageStats:
                return ChannelReply.Failure(ReplyReasons.Unauthorized);

            default:
                return ChannelReply.Failure(ReplyReasons.UnknownEvent);
        }
    }
}
