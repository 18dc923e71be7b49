using System.Text.Json;
using ConnCount.Cluster.Aggregation;
using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Durable;
using ConnCount.SocketNode.Memberships;
using ConnCount.SocketNode.Protection;
using ConnCount.Cluster.Gathering;
using ConnCount.SocketNode.Sockets;
using Microsoft.Extensions.Options;

namespace ConnCount.SocketNode.Node;

/// <summary>Reads this node's counts in the shapes the wire needs: stats, announcements, monitoring info.</summary>
public sealed class NodeStatsSource(
    NodeIdentity identity,
    NodeState state,
    TopicTable topics,
    WatcherTable watchers,
    OpenSockets sockets,
    Messaging.TopicFanout fanout,
    IOptions<SocketNodeOptions> options,
    IOptions<LimitsOptions> limits,
    IOptions<RateLimitOptions> rates,
    IOptions<AuthOptions> auth,
    IOptions<ClusterOptions> cluster,
    IOptions<StatsOptions> stats,
    TimeProvider time)
{
    private readonly int _maxExactUsers = stats.Value.MaxExactUsersPerTopic;

    // A directory that stops hearing this node keeps it missing this long: its sockets could be open until then.
    private readonly double _lingerSeconds = (cluster.Value.HeartbeatInterval + SessionTracker.IdleCloseBound(options.Value.IdleTimeout)).TotalSeconds;

    public NodeStats GetStats()
    {
        // Sockets first: a closing socket ends its memberships before it gives up its slot, so a read that no longer
        // counts a socket no longer counts its memberships either.
        var open = sockets.Count;
        var counts = topics.SnapshotTopics();
        return new NodeStats(identity.Id, identity.StartedAt, counts.Values.Sum(), open, counts, state.Draining, watchers.Count);
    }

    /// <summary>
    /// The reply to a gather: <see cref="GetStats"/> with each topic's users (ids, or a sketch past
    /// <see cref="StatsOptions.MaxExactUsersPerTopic"/>), which the gatherer merges across nodes.
    /// </summary>
    /// <param name="maxBytes">
    /// What the reply may take of NATS's <c>max_payload</c>: while the ids are over it, the topics with the most id
    /// bytes send a sketch instead (answers then say <c>users_estimated</c>), so the reply still fits.
    /// </param>
    public NodeStats GetGatherReply(int maxBytes = int.MaxValue)
    {
        var stats = GetStats();
        Dictionary<string, UserSet>? sets = null;
        foreach (var topic in stats.Connections.Keys)
        {
            if (topics.Find(topic)?.Users?.ToUserSet(_maxExactUsers) is { } set)
            {
                (sets ??= new(StringComparer.Ordinal))[topic] = set;
            }
        }

        if (sets is not null)
        {
            FitUserSets(sets, maxBytes - UsageChunks.EntryBytes * stats.Connections.Count);
        }

        return stats with { UserSets = sets };
    }

    /// <summary>Turns the largest id lists into sketches until the sets fit <paramref name="budget"/> bytes, or no list would shrink.</summary>
    internal static void FitUserSets(Dictionary<string, UserSet> sets, long budget)
    {
        // Most replies are far below the budget: a bound that needs no encoding settles them (six bytes a character
        // at most once escaped, and the quotes and comma).
        if (sets.Values.Sum(s => s.Ids is { } ids ? ids.Sum(id => (id.Length * 6L) + 3) : SketchBytes) <= budget)
        {
            return;
        }

        var sizes = sets.ToDictionary(s => s.Key, s => Size(s.Value), StringComparer.Ordinal);
        var total = sizes.Values.Sum();
        foreach (var (topic, size) in sizes.OrderByDescending(s => s.Value))
        {
            if (total <= budget || size <= SketchBytes || sets[topic].Ids is not { } ids)
            {
                break;
            }

            var sketch = new HyperLogLog();
            foreach (var id in ids)
            {
                sketch.Add(id);
            }

            sets[topic] = new UserSet(Sketch: sketch.ToBytes());
            total += SketchBytes - size;
        }
    }

    // A sketch's registers in base64, and its quotes.
    private static readonly long SketchBytes = (((HyperLogLog.RegisterCount + 2) / 3) * 4) + 16;

    private static long Size(UserSet set) =>
        set.Ids is { } ids ? ids.Sum(id => (long)JsonEncodedText.Encode(id).EncodedUtf8Bytes.Length + 3) : SketchBytes;

    /// <summary>
    /// <paramref name="shown"/> (this node's stats, perhaps without the topics a reader may not see) with its user
    /// counts, exact from this node's own sets: distinct users over the topics shown and per topic. No ids.
    /// </summary>
    public NodeStats WithUserCounts(NodeStats shown)
    {
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        var perTopic = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var topic in shown.Connections.Keys)
        {
            if (topics.Find(topic)?.Users is { IsEmpty: false } users)
            {
                perTopic[topic] = users.Count;
                users.CopyTo(distinct);
            }
        }

        return shown with { UserSets = null, Users = distinct.Count, TopicUsers = perTopic };
    }

    public NodeAnnouncement GetAnnouncement()
    {
        var stats = GetStats();
        return new NodeAnnouncement(stats.Node, stats.StartedAt, stats.Total, stats.Sockets, _lingerSeconds);
    }

    public MonitoringInfo GetMonitoringInfo()
    {
        var stats = GetStats();
        var o = options.Value;
        var l = limits.Value;
        var r = rates.Value;
        return new MonitoringInfo(
            identity.Id,
            identity.Version,
            identity.StartedAt,
            Math.Round((time.GetUtcNow() - identity.StartedAt).TotalSeconds, 3),
            new MonitoringLimits(
                o.IdleTimeout.TotalSeconds,
                o.MaxFrameBytes,
                o.MaxTopicLength,
                o.MaxChannelsPerSocket,
                l.MaxSocketsPerNode,
                r.ConnectionsPerSecondPerIp,
                r.ConnectionsPerSecondPerNode,
                r.JoinsPerSecondPerSocket,
                auth.Value.ProtectedTopics,
                l.Topics.ToDictionary(t => t.Pattern, t => t.MaxJoins),
                l.Plans),
            stats.Total,
            stats.Sockets,
            stats.Connections.Count,
            stats.Draining,
            fanout.SubscribedTopics);
    }
}
