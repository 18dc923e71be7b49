using ConnCount.Cluster.Contracts;
using ConnCount.SocketNode.Node;
using Microsoft.Extensions.Options;

namespace ConnCount.SocketNode.Protection;

/// <summary>Who may read the cross-topic stats views from a socket. Section <c>ConnCount:Auth:SocketStats</c>.</summary>
public enum SocketStatsAccess
{
    /// <summary>Any socket reads the node and cluster views, with every topic it could not join left out.</summary>
    Open,

    /// <summary>Only a socket holding the stats grant (a token with <c>"stats": true</c>) reads them.</summary>
    Granted,
}

/// <summary>
/// The authorization model for what a socket may see (docs/protection.md, "What a socket may see"): a protected
/// topic's name, counts and tenant reach only a socket that could join it or that holds the stats grant; the
/// cross-topic views (node, cluster, monitoring, <c>stats:cluster</c>) need <see cref="SocketStatsAccess.Open"/> or
/// the grant; usage needs the grant whenever any topic is protected. Views are filtered here, once, for every path.
/// </summary>
public sealed class StatsVisibility(JoinAuthorizer authorizer, IOptions<AuthOptions> options)
{
    private readonly SocketStatsAccess _mode = options.Value.SocketStats;

    /// <summary>May this socket read the node and cluster views (filtered by <see cref="Filter(ClusterStats, SocketReadAccess?)"/>)?</summary>
    public bool MayReadCrossTopic(SocketReadAccess? access) =>
        _mode == SocketStatsAccess.Open || access?.HasStatsGrant(DateTime.UtcNow) == true;

    /// <summary>
    /// May this socket read usage? Usage totals cannot be split exactly into visible and hidden parts (topic lists
    /// are cut and idle topics folded into totals), so with protected topics only the stats grant reads it.
    /// </summary>
    public bool MayReadUsage(SocketReadAccess? access) =>
        access?.HasStatsGrant(DateTime.UtcNow) == true || (_mode == SocketStatsAccess.Open && !authorizer.AnyProtected);

    /// <summary>A key equal for sockets that see the same view (so one rendering serves them all).</summary>
    public string ViewKey(SocketReadAccess? access) => authorizer.AnyProtected && access is not null ? access.ViewKey(DateTime.UtcNow) : "";

    public bool MaySee(string topic, SocketReadAccess? access) => authorizer.MaySee(topic, access);

    /// <summary>
    /// May this socket join a stats topic? <c>stats:cluster</c> is the cluster view; <c>stats:&lt;topic&gt;</c>
    /// needs what <c>&lt;topic&gt;</c> needs (or the stats grant).
    /// </summary>
    public bool MayWatch(string statsTopic, SocketReadAccess? access) =>
        statsTopic == Sockets.StatsWatchHub.ClusterTopic
            ? MayReadCrossTopic(access) && MaySee(statsTopic, access)
            : MaySee(statsTopic, access);

    /// <summary>The node's stats without the topics this socket may not see; the total counts the visible topics.</summary>
    public NodeStats Filter(NodeStats stats, SocketReadAccess? access)
    {
        if (!Hides(stats.Connections.Keys, access))
        {
            return stats;
        }

        var visible = stats.Connections.Where(t => MaySee(t.Key, access)).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        return stats with { Connections = visible, Total = visible.Values.Sum() };
    }

    /// <summary>
    /// The cluster's stats without the topics this socket may not see: totals and each node's total count the
    /// visible topics, and so do the cluster's and each node's users (a user only on hidden topics is not counted);
    /// the missing nodes' last-known totals (which cannot be split) are left out.
    /// </summary>
    public ClusterStats Filter(ClusterStats stats, SocketReadAccess? access)
    {
        if (!Hides(stats.Topics.Keys, access))
        {
            return stats;
        }

        var topics = stats.Topics.Where(t => MaySee(t.Key, access)).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        var perNode = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var topic in topics.Values)
        {
            foreach (var (node, count) in topic.Nodes)
            {
                perNode[node] = perNode.GetValueOrDefault(node) + count;
            }
        }

        var (usersPerNode, users) = stats.UserSets.PerNodeAndCluster(topic => topics.ContainsKey(topic));
        var nodes = stats.Nodes.ToDictionary(
            n => n.Key,
            n => (n.Value with { Total = perNode.GetValueOrDefault(n.Key) }).WithUsers(usersPerNode.GetValueOrDefault(n.Key)),
            StringComparer.Ordinal);
        return (stats with
        {
            Topics = topics,
            Nodes = nodes,
            TotalConnections = perNode.Values.Sum(),
            Stale = new Dictionary<string, NodeSummary>(),
        }).WithUsers(users);
    }

    /// <summary>Monitoring info without protected patterns and counts: only the stats grant reads them whole.</summary>
    public MonitoringInfo Filter(MonitoringInfo info, NodeStats visible, SocketReadAccess? access)
    {
        if (!authorizer.AnyProtected || access?.HasStatsGrant(DateTime.UtcNow) == true)
        {
            return info;
        }

        var limits = info.Limits with
        {
            ProtectedTopics = [],
            TopicLimits = info.Limits.TopicLimits.Where(l => !authorizer.IsProtected(l.Key)).ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal),
        };
        return info with { Limits = limits, Total = visible.Total, Topics = visible.Connections.Count, MessageTopics = null };
    }

    private bool Hides(IEnumerable<string> topics, SocketReadAccess? access) =>
        authorizer.AnyProtected && access?.HasStatsGrant(DateTime.UtcNow) != true && topics.Any(t => !MaySee(t, access));
}
