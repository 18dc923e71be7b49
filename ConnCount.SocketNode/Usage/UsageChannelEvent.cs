using System.Text.Json;
using ConnCount.Cluster.Aggregation;
using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Gathering;
using ConnCount.SocketNode.Protocol;
using ConnCount.SocketNode.Sockets;

namespace ConnCount.SocketNode.Usage;

/// <summary>The channel event <c>get_usage_stats</c>: the cluster's usage, with the default query.</summary>
public sealed class UsageChannelEvent(ClusterUsageClient usage, ILogger<UsageChannelEvent> logger)
{
    public async ValueTask<ChannelReply> HandleAsync(CancellationToken cancellationToken)
    {
        try
        {
            var stats = await usage.GetAsync(UsageQuery.Default, cancellationToken);
            return ChannelReply.Success(w => JsonSerializer.Serialize(w, stats, ClusterJsonContext.Default.UsageStats));
        }
        catch (ClusterUnavailableException ex)
        {
            logger.LogWarning("Cluster usage unavailable: {Reason}", ex.Message);
            return ChannelReply.Failure(ReplyReasons.ClusterUnavailable);
        }
    }
}
