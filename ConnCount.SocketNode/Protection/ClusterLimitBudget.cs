using ConnCount.Cluster.Contracts;
using ConnCount.SocketNode.Memberships;
using ConnCount.SocketNode.Protocol;

namespace ConnCount.SocketNode.Protection;

/// <summary>
/// The arithmetic of the cluster-wide limits on concurrent joins per topic (by pattern), per tenant (by plan) and per
/// user (the token's <c>sub</c>, <see cref="LimitsOptions.MaxJoinsPerUser"/>):
/// this node's own joins of limited keys, what every node published at the start of each round, and the share of
/// what is left that this node may admit in the current round. No I/O; the clock is a <see cref="TimeProvider"/>.
/// <see cref="ClusterLimitExchange"/> starts the rounds and carries the counts over NATS. The
/// <see cref="MembershipPipeline"/> asks it to admit each join (<see cref="TryAdmit"/>), and, as a membership
/// observer, it releases what it admitted when the membership ends.
/// </summary>
/// <remarks>
/// Rounds are the same on every node (Unix time divided by <see cref="LimitsOptions.UsageSyncInterval"/>). At the
/// start of round k every node publishes its counts; in round k a node admits at most
/// <c>ceil(remaining / nodes)</c> joins of a key, where <c>remaining</c> is the limit less every node's count at the
/// start of round k and <c>nodes</c> counts the nodes that published in round k − 1. Until a node's round-k counts
/// arrive it counts as its round k − 1 counts plus everything it could have admitted in round k − 1 (its
/// reservation), so an answer that is late only makes this node stricter. The overshoot is at most
/// <c>nodes − 1</c> joins per key (the rounding), however the publishes interleave; docs/protection.md
/// ("Cluster-wide limits and their slack") gives the reasoning. A node admits limited joins only from its third
/// round on (<see cref="Ready"/>), once it has heard a whole round of the others. A remote node's counts count
/// until they are older than the node expiry.
/// </remarks>
public sealed class ClusterLimitBudget(LimitsOptions options, TimeSpan nodeExpiry, TimeProvider time) : IMembershipObserver
{
    private const long NoRound = long.MinValue;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _localTopics = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _localTenants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _localUsers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _admittedThisRound = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (NodeLimitCounts Counts, long ReceivedAt)> _latest = new(StringComparer.Ordinal);
    private readonly Dictionary<long, Dictionary<string, NodeLimitCounts>> _rounds = [];
    private readonly long _roundsKept = (long)Math.Ceiling(nodeExpiry / options.UsageSyncInterval) + 2;
    private long _round = NoRound;
    private long _previousRound = NoRound;
    private long _firstRound = NoRound;

    /// <summary>Whether any limit is configured; without one the budget admits everything and nothing is exchanged.</summary>
    public bool Enabled => options.Topics.Count > 0 || options.Plans.Count > 0 || options.MaxJoinsPerUser is not null;

    /// <summary>
    /// Whether this node admits limited joins: no limit is configured, or it has published this round and the one
    /// before, and was listening for a whole round before that.
    /// </summary>
    public bool Ready
    {
        get
        {
            lock (_gate)
            {
                return !Enabled || Admitting;
            }
        }
    }

    private bool Admitting => _round != NoRound && _previousRound == _round - 1 && _firstRound <= _round - 2;

    /// <summary>The round that starts at or before <paramref name="at"/>.</summary>
    public static long RoundAt(DateTimeOffset at, TimeSpan interval) => at.ToUnixTimeMilliseconds() / IntervalMs(interval);

    /// <summary>When <paramref name="round"/> starts.</summary>
    public static DateTimeOffset RoundStart(long round, TimeSpan interval) => DateTimeOffset.FromUnixTimeMilliseconds(round * IntervalMs(interval));

    /// <summary>
    /// Admits a join against the topic and tenant limits, and if admitted records it. Returns the refusal
    /// reason, or null when admitted. An admitted join must later be <see cref="Release"/>d exactly once.
    /// </summary>
    public string? TryAdmit(string topic, JoinGrant grant)
    {
        var topicLimit = TopicLimitFor(topic);
        var tenantLimit = TenantLimitFor(grant);
        var userLimit = UserLimitFor(grant);
        if (topicLimit is null && tenantLimit is null && userLimit is null)
        {
            return null;
        }

        lock (_gate)
        {
            var freshSince = FreshSince();
            var nodes = NodesThatMayAdmit();
            if (topicLimit is { } tl && !HasRoom(TopicWindowKey(topic), _localTopics, topic, tl, nodes, freshSince, static r => r.Topics))
            {
                return ReplyReasons.TopicFull;
            }

            if (tenantLimit is { } pl && !HasRoom(TenantWindowKey(grant.Tenant!), _localTenants, grant.Tenant!, pl, nodes, freshSince, static r => r.Tenants))
            {
                return ReplyReasons.TenantFull;
            }

            if (userLimit is { } ul && !HasRoom(UserWindowKey(grant.User!), _localUsers, grant.User!, ul, nodes, freshSince, static r => r.Users ?? NoCounts))
            {
                return ReplyReasons.UserFull;
            }

            if (topicLimit is not null)
            {
                Add(_localTopics, topic, 1);
                Add(_admittedThisRound, TopicWindowKey(topic), 1);
            }

            if (tenantLimit is not null)
            {
                Add(_localTenants, grant.Tenant!, 1);
                Add(_admittedThisRound, TenantWindowKey(grant.Tenant!), 1);
            }

            if (userLimit is not null)
            {
                Add(_localUsers, grant.User!, 1);
                Add(_admittedThisRound, UserWindowKey(grant.User!), 1);
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
        var limitedUser = UserLimitFor(grant) is not null;
        if (!limitedTopic && !limitedTenant && !limitedUser)
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

            if (limitedUser)
            {
                Add(_localUsers, grant.User!, -1);
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="round"/> on this node: returns its counts of limited keys as they stand, to publish,
    /// begins the round's shares and forgets rounds and remote counts past the node expiry. Rounds only go forward;
    /// a round at or before the current one starts nothing and returns the counts of the current one.
    /// </summary>
    public NodeLimitCounts Publish(string node, DateTimeOffset startedAt, long round)
    {
        lock (_gate)
        {
            if (round > _round)
            {
                _previousRound = _round;
                _round = round;
                if (_firstRound == NoRound)
                {
                    _firstRound = round;
                }

                _admittedThisRound.Clear();
            }

            var counts = new NodeLimitCounts(
                node, startedAt, _round, Admitting, new Dictionary<string, long>(_localTopics), new Dictionary<string, long>(_localTenants),
                _localUsers.Count > 0 ? new Dictionary<string, long>(_localUsers) : null);
            RoundOf(_round)[node] = counts;
            Forget();
            return counts;
        }
    }

    /// <summary>Takes in another node's published counts: its latest, and its start of that round.</summary>
    public void Receive(NodeLimitCounts counts)
    {
        lock (_gate)
        {
            // A node of a version without rounds sends round 0: its counts count, without a round or a reservation.
            if (_round == NoRound || counts.Round >= _round - _roundsKept)
            {
                RoundOf(counts.Round)[counts.Node] = counts;
            }

            if (!_latest.TryGetValue(counts.Node, out var latest) || counts.Round >= latest.Counts.Round || counts.StartedAt != latest.Counts.StartedAt)
            {
                _latest[counts.Node] = (counts, time.GetTimestamp());
            }
        }
    }

    private static long IntervalMs(TimeSpan interval) => Math.Max(1, (long)interval.TotalMilliseconds);

    private static string TopicWindowKey(string topic) => "t:" + topic;

    private static string TenantWindowKey(string tenant) => "p:" + tenant;

    private static string UserWindowKey(string user) => "u:" + user;

    private static readonly IReadOnlyDictionary<string, long> NoCounts = new Dictionary<string, long>();

    private static long CeilingShare(long remaining, int nodes) => remaining <= 0 ? 0 : (remaining + nodes - 1) / nodes;

    private long FreshSince() => time.GetTimestamp() - (long)(nodeExpiry.TotalSeconds * time.TimestampFrequency);

    private Dictionary<string, NodeLimitCounts> RoundOf(long round)
    {
        if (!_rounds.TryGetValue(round, out var published))
        {
            published = new Dictionary<string, NodeLimitCounts>(StringComparer.Ordinal);
            _rounds[round] = published;
        }

        return published;
    }

    private void Forget()
    {
        foreach (var round in _rounds.Keys)
        {
            if (round < _round - _roundsKept)
            {
                _rounds.Remove(round);
            }
        }

        var freshSince = FreshSince();
        foreach (var (remote, (_, receivedAt)) in _latest)
        {
            if (receivedAt < freshSince)
            {
                _latest.Remove(remote);
            }
        }
    }

    /// <summary>This node and every node that published at the start of the previous round: all that may admit in this one.</summary>
    private int NodesThatMayAdmit() => _rounds.TryGetValue(_round - 1, out var previous) ? Math.Max(1, previous.Count) : 1;

    private bool HasRoom(string windowKey, Dictionary<string, long> local, string key, long limit, int nodes, long freshSince, Func<NodeLimitCounts, IReadOnlyDictionary<string, long>> select)
    {
        if (!Admitting)
        {
            return false;
        }

        var known = local.GetValueOrDefault(key);
        foreach (var (counts, receivedAt) in _latest.Values)
        {
            if (receivedAt >= freshSince)
            {
                known += select(counts).GetValueOrDefault(key);
                if (counts.Admitting && counts.Round != _round)
                {
                    known += Reservation(counts.Round, key, limit, select);
                }
            }
        }

        if (known >= limit)
        {
            return false;
        }

        // The share is of what was left when the round began: this round's own admissions are in `known`.
        var admitted = _admittedThisRound.GetValueOrDefault(windowKey);
        return admitted < CeilingShare(limit - (known - admitted), nodes);
    }

    /// <summary>
    /// The most a node admitting in <paramref name="round"/> may have admitted of a key after publishing: the share of
    /// what that round's published counts left, over the admitting nodes among them. Without the round, the limit.
    /// </summary>
    private long Reservation(long round, string key, long limit, Func<NodeLimitCounts, IReadOnlyDictionary<string, long>> select)
    {
        if (!_rounds.TryGetValue(round, out var published))
        {
            return limit;
        }

        long total = 0;
        var admitting = 0;
        foreach (var counts in published.Values)
        {
            total += select(counts).GetValueOrDefault(key);
            admitting += counts.Admitting ? 1 : 0;
        }

        return CeilingShare(limit - total, Math.Max(1, admitting));
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

    private long? UserLimitFor(JoinGrant grant) => grant.User is not null ? options.MaxJoinsPerUser : null;

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
