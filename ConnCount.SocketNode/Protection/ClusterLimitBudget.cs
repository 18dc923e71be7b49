using ConnCount.Cluster.Contracts;
using ConnCount.SocketNode.Memberships;
using ConnCount.SocketNode.Protocol;

namespace ConnCount.SocketNode.Protection;

/// <summary>
/// The arithmetic of the cluster-wide limits on concurrent joins per topic (by pattern) and per tenant (by plan):
/// this node's own joins of limited keys, what the other nodes last published, and the share of what is left that
/// this node may admit before its next publish. No I/O; the clock is a <see cref="TimeProvider"/>.
/// <see cref="ClusterLimitExchange"/> carries the counts over NATS. The <see cref="MembershipPipeline"/> asks it to
/// admit each join (<see cref="TryAdmit"/>), and, as a membership observer, it releases what it admitted when the
/// membership ends.
/// </summary>
/// <remarks>
/// Between two publishes a node admits at most <c>ceil(remaining / nodes)</c> new joins of a key, so nodes working
/// from the same stale view share what is left instead of each taking all of it. The worst-case overshoot (slack),
/// <c>2 × (nodes − 1)</c> joins per key, is reasoned in docs/protection.md ("Cluster-wide limits and their slack").
/// A remote node's counts count until they are older than the node expiry.
/// </remarks>
public sealed class ClusterLimitBudget(LimitsOptions options, TimeSpan nodeExpiry, TimeProvider time) : IMembershipObserver
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _localTopics = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _localTenants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _admittedThisWindow = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (NodeLimitCounts Counts, long ReceivedAt)> _remote = new(StringComparer.Ordinal);

    /// <summary>Whether any limit is configured; without one the budget admits everything and nothing is exchanged.</summary>
    public bool Enabled => options.Topics.Count > 0 || options.Plans.Count > 0;

    /// <summary>
    /// Admits a join against the topic and tenant limits, and if admitted records it. Returns the refusal
    /// reason, or null when admitted. An admitted join must later be <see cref="Release"/>d exactly once.
    /// </summary>
    public string? TryAdmit(string topic, JoinGrant grant)
    {
        var topicLimit = TopicLimitFor(topic);
        var tenantLimit = TenantLimitFor(grant);
        if (topicLimit is null && tenantLimit is null)
        {
            return null;
        }

        lock (_gate)
        {
            var freshSince = FreshSince();
            var nodes = FreshRemotes(freshSince) + 1;
            if (topicLimit is { } tl && !HasRoom(TopicWindowKey(topic), _localTopics, topic, tl, nodes, freshSince, static r => r.Topics))
            {
                return ReplyReasons.TopicFull;
            }

            if (tenantLimit is { } pl && !HasRoom(TenantWindowKey(grant.Tenant!), _localTenants, grant.Tenant!, pl, nodes, freshSince, static r => r.Tenants))
            {
                return ReplyReasons.TenantFull;
            }

            if (topicLimit is not null)
            {
                Add(_localTopics, topic, 1);
                Add(_admittedThisWindow, TopicWindowKey(topic), 1);
            }

            if (tenantLimit is not null)
            {
                Add(_localTenants, grant.Tenant!, 1);
                Add(_admittedThisWindow, TenantWindowKey(grant.Tenant!), 1);
            }

            return null;
        }
    }

    /// <summary>Nothing to do: <see cref="TryAdmit"/> recorded the join when it admitted it.</summary>
    void IMembershipObserver.Began(in MembershipEvent membership)
    {
    }

    /// <summary>Releases what the membership's admission took.</summary>
    void IMembershipObserver.Ended(in MembershipEvent membership, long endedAtMs) => Release(membership.Topic, membership.Grant);

    /// <summary>Ends an admitted join.</summary>
    public void Release(string topic, JoinGrant grant)
    {
        var limitedTopic = TopicLimitFor(topic) is not null;
        var limitedTenant = TenantLimitFor(grant) is not null;
        if (!limitedTopic && !limitedTenant)
        {
            return;
        }

        lock (_gate)
        {
            if (limitedTopic)
            {
                Add(_localTopics, topic, -1);
            }

            if (limitedTenant)
            {
                Add(_localTenants, grant.Tenant!, -1);
            }
        }
    }

    /// <summary>
    /// This node's counts of limited keys, to publish; starts the next window of shares and forgets remote counts
    /// past the node expiry.
    /// </summary>
    public NodeLimitCounts Publish(string node, DateTimeOffset startedAt)
    {
        lock (_gate)
        {
            _admittedThisWindow.Clear();
            var freshSince = FreshSince();
            foreach (var (remote, (_, receivedAt)) in _remote)
            {
                if (receivedAt < freshSince)
                {
                    _remote.Remove(remote);
                }
            }

            return new NodeLimitCounts(node, startedAt, new Dictionary<string, long>(_localTopics), new Dictionary<string, long>(_localTenants));
        }
    }

    /// <summary>Takes in another node's published counts, replacing what it published before.</summary>
    public void Receive(NodeLimitCounts counts)
    {
        lock (_gate)
        {
            _remote[counts.Node] = (counts, time.GetTimestamp());
        }
    }

    private static string TopicWindowKey(string topic) => "t:" + topic;

    private static string TenantWindowKey(string tenant) => "p:" + tenant;

    private long FreshSince() => time.GetTimestamp() - (long)(nodeExpiry.TotalSeconds * time.TimestampFrequency);

    private bool HasRoom(string windowKey, Dictionary<string, long> local, string key, long limit, int nodes, long freshSince, Func<NodeLimitCounts, IReadOnlyDictionary<string, long>> select)
    {
        var known = local.GetValueOrDefault(key);
        foreach (var (counts, receivedAt) in _remote.Values)
        {
            if (receivedAt >= freshSince)
            {
                known += select(counts).GetValueOrDefault(key);
            }
        }

        if (known >= limit)
        {
            return false;
        }

        // The share is of what was left when the window began: this window's own admissions are in `known`.
        var admitted = _admittedThisWindow.GetValueOrDefault(windowKey);
        var remainingAtWindowStart = limit - (known - admitted);
        var share = (remainingAtWindowStart + nodes - 1) / nodes;
        return admitted < share;
    }

    private int FreshRemotes(long freshSince)
    {
        var fresh = 0;
        foreach (var (_, receivedAt) in _remote.Values)
        {
            if (receivedAt >= freshSince)
            {
                fresh++;
            }
        }

        return fresh;
    }

    private long? TopicLimitFor(string topic)
    {
        foreach (var limit in options.Topics)
        {
            if (TopicPattern.Matches(limit.Pattern, topic))
            {
                return limit.MaxJoins;
            }
        }

        return null;
    }

    private long? TenantLimitFor(JoinGrant grant) =>
        grant is { Tenant: not null, Plan: not null } && options.Plans.TryGetValue(grant.Plan, out var max) ? max : null;

    private static void Add(Dictionary<string, long> counts, string key, long delta)
    {
        var value = counts.GetValueOrDefault(key) + delta;
        if (value == 0)
        {
            counts.Remove(key);
        }
        else
        {
            counts[key] = value;
        }
    }
}
