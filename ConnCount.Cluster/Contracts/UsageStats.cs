using System.Text.Json.Serialization;

namespace ConnCount.Cluster.Contracts;

/// <summary>
/// The cluster's usage, as answered by <c>GET /api/stats/usage</c> and <c>get_usage_stats</c>: the sum of
/// every answering node's report. Durations are connection-milliseconds (divide by 1000 for
/// connection-seconds), exact integers.
/// </summary>
/// <param name="GatheredAt">When the gather completed.</param>
/// <param name="ClusterSize">Nodes that answered; only they are in the figures.</param>
/// <param name="Partial">True when an expected node did not answer in time.</param>
/// <param name="MissingNodes">Nodes that were expected but did not answer; not in any figure.</param>
/// <param name="PeriodSeconds">Length of a reporting period; 0 when no node answered.</param>
/// <param name="PeriodStart">Start of the current period (UTC-aligned); the previous one is the period before it. Null when no node answered.</param>
/// <param name="PeriodMismatchNodes">Answering nodes whose period differs (another <c>ConnCount:Usage:Period</c>); left out of the period figures only.</param>
/// <param name="ChurnWindowSeconds">Nominal length of the churn window (joins/leaves per minute): the current 10 s bucket and the five before it.</param>
/// <param name="SessionWindowSeconds">Session lengths are of sessions that ended this recently.</param>
/// <param name="Totals">Every topic of every answering node (prefix and limit notwithstanding).</param>
/// <param name="Topics">Topics matching the prefix, the first <c>limit</c> of the usage order.</param>
/// <param name="TopicsTruncated">Some matching topics are not listed; a listed topic may also lack the share of a node where it fell outside that node's own top <c>limit</c>.</param>
/// <param name="Tenants">Tenants, the first <c>limit</c> of the usage order.</param>
/// <param name="TenantsTruncated">As <see cref="TopicsTruncated"/>, for tenants.</param>
/// <param name="Nodes">Per answering node: its totals.</param>
/// <param name="Stored">
/// Node incarnations that did not answer (restarted, stopped, or missing now) whose durably stored connection time is in
/// the period figures; see docs/usage.md.
/// </param>
public sealed record UsageStats(
    DateTimeOffset GatheredAt,
    int ClusterSize,
    bool Partial,
    IReadOnlyList<string> MissingNodes,
    long PeriodSeconds,
    DateTimeOffset? PeriodStart,
    IReadOnlyList<string> PeriodMismatchNodes,
    long ChurnWindowSeconds,
    long SessionWindowSeconds,
    UsageFigures Totals,
    IReadOnlyDictionary<string, UsageFigures> Topics,
    bool TopicsTruncated,
    IReadOnlyDictionary<string, UsageFigures> Tenants,
    bool TenantsTruncated,
    IReadOnlyDictionary<string, UsageNodeView> Nodes,
    IReadOnlyList<StoredUsageView>? Stored = null);

/// <summary>Usage of one topic, one tenant, one node or the cluster, summed over the answering nodes.</summary>
/// <param name="Open">Memberships open now.</param>
/// <param name="ConnectionMs">Connection-milliseconds since each node started, open sessions counted up to the node's answer. Exact.</param>
/// <param name="Joins">Memberships begun since each node started.</param>
/// <param name="Leaves">Memberships ended since each node started.</param>
/// <param name="PeakConcurrentSumOfNodes">Sum of each node's own peak since it started: an upper bound of the true cluster peak (nodes peak at different times).</param>
/// <param name="PeakConcurrentAtLeast">A lower bound of the true cluster peak: the largest single node's peak, or the open total now if larger.</param>
/// <param name="Period">The current period, up to now.</param>
/// <param name="PreviousPeriod">The previous period, complete.</param>
/// <param name="JoinsPerMinute">Joins in the churn window.</param>
/// <param name="LeavesPerMinute">Leaves in the churn window.</param>
/// <param name="SessionMedianMs">Median length (nearest rank) of the sampled sessions that ended in the session window; null without samples.</param>
/// <param name="SessionP95Ms">95th percentile (nearest rank) of the same samples.</param>
/// <param name="SampledSessions">How many samples the percentiles are taken from (bounded by the sample rings).</param>
public sealed record UsageFigures(
    long Open,
    long ConnectionMs,
    long Joins,
    long Leaves,
    long PeakConcurrentSumOfNodes,
    long PeakConcurrentAtLeast,
    UsagePeriodFigures Period,
    UsagePeriodFigures PreviousPeriod,
    long JoinsPerMinute,
    long LeavesPerMinute,
    long? SessionMedianMs,
    long? SessionP95Ms,
    int SampledSessions)
{
    /// <summary>
    /// Distinct users (join-token subjects) of a tenant over the answering nodes: a user on two nodes counts once.
    /// Tenants only; absent for topics, nodes and totals.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Users { get; init; }

    /// <summary>True when <see cref="Users"/> is a HyperLogLog estimate; absent when exact.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool UsersEstimated { get; init; }

    /// <summary>The relative standard error of an estimated <see cref="Users"/>; absent when exact.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? UsersError { get; init; }
}

/// <summary>Usage inside one reporting period.</summary>
/// <param name="ConnectionMs">Connection-milliseconds inside the period; a session crossing a boundary is split exactly at it.</param>
/// <param name="PeakConcurrentSumOfNodes">Sum of each node's peak in the period: an upper bound of the cluster's.</param>
/// <param name="PeakConcurrentAtLeast">A lower bound of the cluster's peak in the period.</param>
public sealed record UsagePeriodFigures(long ConnectionMs, long PeakConcurrentSumOfNodes, long PeakConcurrentAtLeast);

/// <summary>One answering node: when it started, the instant its figures are as of, and its totals.</summary>
/// <param name="Forgotten">Topics and tenants the node folded into its totals after two whole idle periods.</param>
/// <param name="Truncated">The node cut its topic and tenant lists to stay under the NATS payload limit.</param>
public sealed record UsageNodeView(DateTimeOffset StartedAt, DateTimeOffset AsOf, UsageFigures Totals, long Forgotten, bool Truncated);

/// <summary>One node incarnation whose stored connection time is in the period figures, though it did not answer.</summary>
/// <param name="Node">The node id.</param>
/// <param name="StartedAt">The incarnation's epoch.</param>
/// <param name="Through">It stored everything up to this instant; after it, at most one flush interval of its time may be missing if it died.</param>
/// <param name="PeriodConnectionMs">Its stored connection-milliseconds in the current period.</param>
/// <param name="PreviousPeriodConnectionMs">Its stored connection-milliseconds in the previous period.</param>
public sealed record StoredUsageView(string Node, DateTimeOffset StartedAt, DateTimeOffset? Through, long PeriodConnectionMs, long PreviousPeriodConnectionMs);
