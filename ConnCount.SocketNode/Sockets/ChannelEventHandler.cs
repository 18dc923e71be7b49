using System.Text.Json;
using ConnCount.Cluster;
using ConnCount.Cluster.Contracts;
using ConnCount.SocketNode.Node;
using ConnCount.SocketNode.Protocol;

namespace ConnCount.SocketNode.Sockets;

/// <summary>The answer to a channel event: a reply status and, for <c>ok</c>, a response body writer.</summary>
public readonly record struct ChannelReply(bool Ok, string? Reason, Action<Utf8JsonWriter>? Response)
{
    public static ChannelReply Success(Action<Utf8JsonWriter> response) => new(true, null, response);

    public static ChannelReply Failure(string reason) => new(false, reason, null);
}

/// <summary>Answers the events a joined channel can push: the stats queries.</summary>
public sealed class ChannelEventHandler(NodeStatsSource source, ClusterStatsClient cluster, Usage.UsageChannelEvent usage, ILogger<ChannelEventHandler> logger)
{
    /// <summary>Reason given for an event this server does not know.</summary>
    public const string UnknownEvent = "unknown event";

    /// <summary>Reason given when the cluster cannot be gathered (NATS down).</summary>
    public const string ClusterUnavailable = "cluster unavailable";

    public async ValueTask<ChannelReply> HandleAsync(string evt, CancellationToken cancellationToken)
    {
        switch (evt)
        {
            case PhoenixEvents.GetConnectionStats:
                var stats = source.GetStats();
                return ChannelReply.Success(w => JsonSerializer.Serialize(w, stats, ClusterJsonContext.Default.NodeStats));

            case PhoenixEvents.GetMonitoringInfo:
                var info = source.GetMonitoringInfo();
                return ChannelReply.Success(w => JsonSerializer.Serialize(w, info, SocketNodeJsonContext.Default.MonitoringInfo));

            case PhoenixEvents.GetClusterConnectionStats:
                try
                {
                    var clusterStats = await cluster.GetAsync(cancellationToken);
                    return ChannelReply.Success(w => JsonSerializer.Serialize(w, clusterStats, ClusterJsonContext.Default.ClusterStats));
                }
                catch (ClusterUnavailableException ex)
                {
                    logger.LogWarning("Cluster stats unavailable: {Reason}", ex.Message);
                    return ChannelReply.Failure(ClusterUnavailable);
                }

            case Usage.UsageChannelEvent.Name:
                return await usage.HandleAsync(cancellationToken);

            default:
                return ChannelReply.Failure(UnknownEvent);
        }
    }
}
