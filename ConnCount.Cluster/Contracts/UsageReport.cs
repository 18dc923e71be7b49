using System.Text.Json.Serialization;

namespace ConnCount.Cluster.Contracts;

/// <summary>One node's usage, as it answers <see cref="NatsSubjects.UsageReport"/>. Times in ms are exact integers.</summary>
/// <param name="Node">The node's identity, as in <see cref="NodeStats.Node"/>.</param>
/// <param name="StartedAt">When the node started; the <c>connection_ms</c>, <c>joins</c> and peaks since then.</param>
/// <param name="AsOf">The instant the open sessions were counted up to.</param>
/// <param name="PeriodSeconds">The length of a reporting period (<c>ConnCount:Usage:Period</c>).</param>
/// <param name="PeriodStart">The start of the current period, aligned to UTC; the previous one started a period earlier.</param>
/// <param name="SessionWindowSeconds">Session samples are of sessions that ended this recently.</param>
/// <param name="Totals">Every topic of the node, prefix and limit notwithstanding, plus the forgotten ones; session samples from the node ring.</param>
/// <param name="Topics">The topics that match the request's prefix, the first <c>limit</c> of the order in <see cref="Aggregation.UsageQuery"/>.</param>
/// <param name="TopicsMatched">Topics that match the prefix before the limit; more than <see cref="Topics"/> holds when the limit cut.</param>
/// <param name="Tenants">Tenants (from join tokens), the first <c>limit</c> of the same order.</param>
/// <param name="TenantsMatched">Tenants before the limit.</param>
/// <param name="Forgotten">Topics and tenants folded into <see cref="Totals"/> after two whole idle periods.</param>
/// <param name="Truncated">The node cut topics and tenants further to keep the reply under the NATS payload limit.</param>
public sealed record UsageReport(
    string Node,
    DateTimeOffset StartedAt,
    DateTimeOffset AsOf,
    long PeriodSeconds,
    DateTimeOffset PeriodStart,
    long SessionWindowSeconds,
    UsageCounters Totals,
    IReadOnlyDictionary<string, UsageCounters> Topics,
    int TopicsMatched,
    IReadOnlyDictionary<string, UsageCounters> Tenants,
    int TenantsMatched,
    long Forgotten = 0,
    bool Truncated = false)
{
    /// <summary>
    /// Per tenant of <see cref="Tenants"/> with users, this node's users of it (ids, or a sketch over the threshold),
    /// which the gather merges into exact cross-node counts; readers get counts only.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, UserSet>? TenantUsers { get; init; }
}

/// <summary>One node's usage of one topic, one tenant, or of all its topics.</summary>
/// <param name="Open">Memberships open now.</param>
/// <param name="ConnectionMs">Connection-milliseconds since the node started: closed sessions plus the open ones up to <c>as_of</c>.</param>
/// <param name="Joins">Memberships begun since the node started.</param>
/// <param name="Leaves">Memberships ended since the node started.</param>
/// <param name="PeakConcurrent">Most memberships open at once since the node started.</param>
/// <param name="PeriodConnectionMs">Connection-milliseconds inside the current period, up to <c>as_of</c>.</param>
/// <param name="PeriodPeakConcurrent">Most open at once in the current period.</param>
/// <param name="PreviousPeriodConnectionMs">Connection-milliseconds inside the previous period (complete).</param>
/// <param name="PreviousPeriodPeakConcurrent">Most open at once in the previous period.</param>
/// <param name="JoinsPerMinute">Joins in the churn window (the current 10 s bucket and the five before it).</param>
/// <param name="LeavesPerMinute">Leaves in the churn window.</param>
/// <param name="SessionSamplesMs">Lengths of the sampled sessions that ended in the session window; null where none are kept (tenants).</param>
public sealed record UsageCounters(
    long Open,
    long ConnectionMs,
    long Joins,
    long Leaves,
    long PeakConcurrent,
    long PeriodConnectionMs,
    long PeriodPeakConcurrent,
    long PreviousPeriodConnectionMs,
    long PreviousPeriodPeakConcurrent,
    long JoinsPerMinute,
    long LeavesPerMinute,
    IReadOnlyList<long>? SessionSamplesMs = null);
