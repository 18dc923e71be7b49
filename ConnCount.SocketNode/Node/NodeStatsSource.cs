using ConnCount.Cluster.Contracts;
using ConnCount.SocketNode.Counting;
using Microsoft.Extensions.Options;

namespace ConnCount.SocketNode.Node;

/// <summary>Reads this node's counts in the shapes the wire needs: stats, announcements, monitoring info.</summary>
public sealed class NodeStatsSource(
    NodeIdentity identity,
    ConnectionRegistry registry,
    IOptions<SocketNodeOptions> options,
    TimeProvider time)
{
    public NodeStats GetStats()
    {
        var topics = registry.SnapshotTopics();
        return new NodeStats(identity.Id, identity.StartedAt, topics.Values.Sum(), registry.Sockets, topics);
    }

    public NodeAnnouncement GetAnnouncement()
    {
        var stats = GetStats();
        return new NodeAnnouncement(stats.Node, stats.StartedAt, stats.Total, stats.Sockets);
    }

    public MonitoringInfo GetMonitoringInfo()
    {
        var stats = GetStats();
        var o = options.Value;
        return new MonitoringInfo(
            identity.Id,
            identity.Version,
            identity.StartedAt,
            Math.Round((time.GetUtcNow() - identity.StartedAt).TotalSeconds, 3),
            new MonitoringLimits(o.IdleTimeout.TotalSeconds, o.MaxFrameBytes, o.MaxTopicLength, o.MaxChannelsPerSocket),
            stats.Total,
            stats.Sockets,
            stats.Connections.Count);
    }
}
