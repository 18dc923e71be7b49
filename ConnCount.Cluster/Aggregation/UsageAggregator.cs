using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Durable;

namespace ConnCount.Cluster.Aggregation;

/// <summary>
/// Sums the nodes' usage reports of one gather into the cluster's <see cref="UsageStats"/>. A pure function:
/// no I/O, no clock. Connection-milliseconds, joins, leaves and churn add up exactly; peaks do not (nodes
/// peak at different instants), so the cluster gets an upper bound (the sum of node peaks) and a lower bound
/// (the largest node peak, or the open total now); session percentiles are taken over the union of the
/// nodes' samples.
/// </summary>
public static class UsageAggregator
{
    /// <summary>Nominal length of the churn window the nodes count joins and leaves in.</summary>
    public const long ChurnWindowSeconds = 60;

    /// <summary>Aggregates the replies of one gather.</summary>
    /// <param name="replies">Every reply received; a node that answered twice counts once (its last reply).</param>
    /// <param name="expected">The nodes the directory knew of when the gather started, live and lingering.</param>
    /// <param name="limit">How many topics and tenants to keep, in the usage order of <see cref="UsageQuery"/>.</param>
    /// <param name="gatheredAt">When the gather completed.</param>
    /// <param name="stored">
    /// What node incarnations stored durably for the cluster's current and previous period (see
    /// <see cref="ClusterPeriod"/>); the shares of incarnations that did not answer this gather are added to the period
    /// figures, so a restarted or stopped node's connection time stays in them.
    /// </param>
    /// <param name="query">Which stored topics to list; the nodes applied the same query to their own.</param>
    public static UsageStats Aggregate(
        IEnumerable<UsageReport> replies,
        IEnumerable<KnownNode> expected,
        int limit,
        DateTimeOffset gatheredAt,
        IReadOnlyList<StoredIncarnationUsage>? stored = null,
        UsageQuery? query = null)
    {
        var byNode = ByNode(replies);
        var (periodSeconds, periodStart) = ClusterPeriod(byNode.Values);

        var totals = new Figures();
        var topics = new Dictionary<string, Figures>(StringComparer.Ordinal);
        var tenants = new Dictionary<string, Figures>(StringComparer.Ordinal);
        var nodes = new SortedDictionary<string, UsageNodeView>(StringComparer.Ordinal);
        var mismatch = new List<string>();
        bool topicsTruncated = false, tenantsTruncated = false;

        foreach (var (node, report) in byNode)
        {
            var slot = SlotOf(report, periodSeconds, periodStart);
            if (slot == PeriodSlot.None)
            {
                mismatch.Add(node);
            }

            totals.Add(report.Totals, slot);
            // A node's own view keeps its own periods, whichever the cluster's are.
            nodes[node] = new UsageNodeView(report.StartedAt, report.AsOf, Figures.Of(report.Totals, PeriodSlot.Current), report.Forgotten, report.Truncated);
            AddAll(topics, report.Topics, slot);
            AddAll(tenants, report.Tenants, slot);
            topicsTruncated |= report.Truncated || report.TopicsMatched > report.Topics.Count;
            tenantsTruncated |= report.Truncated || report.TenantsMatched > report.Tenants.Count;
        }

        var storedViews = new List<StoredUsageView>();
        foreach (var share in stored ?? [])
        {
            if (byNode.TryGetValue(share.Incarnation.Node, out var live) && live.StartedAt == share.Incarnation.StartedAt)
            {
                // An answering incarnation's own figures cover all it stored.
                continue;
            }

            AddStored(totals, topics, tenants, share, query ?? UsageQuery.Default);
            storedViews.Add(new StoredUsageView(
                share.Incarnation.Node, share.Incarnation.StartedAt, share.Through, share.Current?.ConnectionMs ?? 0, share.Previous?.ConnectionMs ?? 0));
        }

        // As for the counts: a known incarnation is missing unless it answered itself, and a duplicate id makes the answer partial.
        var missing = expected
            .Where(k => !(byNode.TryGetValue(k.Node, out var report) && report.StartedAt == k.StartedAt))
            .Select(k => k.Node).Distinct().Order(StringComparer.Ordinal).ToList();
        var duplicated = ClusterAggregator.DuplicateIds(expected).Count > 0;
        var order = UsageQuery.Default with { Limit = limit };
        var tenantFigures = WithUsers(Top(order, tenants), byNode.Values);
        return new UsageStats(
            gatheredAt,
            byNode.Count,
            Partial: missing.Count > 0 || duplicated,
            missing,
            periodSeconds,
            periodStart,
            mismatch,
            ChurnWindowSeconds,
            byNode.Count == 0 ? 0 : byNode.Values.Max(r => r.SessionWindowSeconds),
            totals.ToFigures(),
            Top(order, topics),
            topicsTruncated || topics.Count > limit,
            tenantFigures,
            tenantsTruncated || tenants.Count > limit,
            nodes,
            [.. storedViews.OrderBy(v => v.Node, StringComparer.Ordinal).ThenBy(v => v.StartedAt)]);
    }

    /// <summary>
    /// The period the cluster is in, from the answering nodes' reports: the most common period length, and the latest
    /// start among the nodes on it. (0, null) when no node answered.
    /// </summary>
    public static (long PeriodSeconds, DateTimeOffset? PeriodStart) ClusterPeriod(IEnumerable<UsageReport> replies)
    {
        var reports = ByNode(replies).Values;
        var periodSeconds = reports
            .GroupBy(r => r.PeriodSeconds)
            .OrderByDescending(g => g.Count())
            .ThenBy(g => g.Key)
            .Select(g => g.Key)
            .FirstOrDefault();
        DateTimeOffset? periodStart = reports.Count == 0
            ? null
            : reports.Where(r => r.PeriodSeconds == periodSeconds).Max(r => r.PeriodStart);
        return (periodSeconds, periodStart);
    }

    private static SortedDictionary<string, UsageReport> ByNode(IEnumerable<UsageReport> replies)
    {
        var byNode = new SortedDictionary<string, UsageReport>(StringComparer.Ordinal);
        foreach (var reply in replies)
        {
            byNode[reply.Node] = reply;
        }

        return byNode;
    }

    private static void AddStored(Figures totals, Dictionary<string, Figures> topics, Dictionary<string, Figures> tenants, StoredIncarnationUsage share, UsageQuery query)
    {
        totals.AddStored(share.Current?.ConnectionMs ?? 0, share.Previous?.ConnectionMs ?? 0);
        AddStored(topics, share.Current?.Topics, share.Previous?.Topics, query.Matches);
        AddStored(tenants, share.Current?.Tenants, share.Previous?.Tenants, _ => true);
    }

    private static void AddStored(
        Dictionary<string, Figures> into, IReadOnlyDictionary<string, long>? current, IReadOnlyDictionary<string, long>? previous, Func<string, bool> matches)
    {
        foreach (var key in (current?.Keys ?? []).Union(previous?.Keys ?? []).Where(matches))
        {
            if (!into.TryGetValue(key, out var figures))
            {
                into[key] = figures = new Figures();
            }

            figures.AddStored(current?.GetValueOrDefault(key) ?? 0, previous?.GetValueOrDefault(key) ?? 0);
        }
    }

    /// <summary>The nearest-rank percentile (<paramref name="percent"/> of 100) of sorted samples; null when there are none.</summary>
    internal static long? Percentile(IReadOnlyList<long> sorted, int percent) =>
        sorted.Count == 0 ? null : sorted[Math.Max(0, (int)((((long)sorted.Count * percent) + 99) / 100) - 1)];

    private static PeriodSlot SlotOf(UsageReport report, long periodSeconds, DateTimeOffset? periodStart)
    {
        if (report.PeriodSeconds != periodSeconds)
        {
            return PeriodSlot.None;
        }

        if (report.PeriodStart == periodStart)
        {
            return PeriodSlot.Current;
        }

        // Answered a moment before a boundary the others had passed: its current period is the cluster's previous.
        return report.PeriodStart == periodStart?.AddSeconds(-periodSeconds) ? PeriodSlot.Previous : PeriodSlot.None;
    }

    private static void AddAll(Dictionary<string, Figures> into, IReadOnlyDictionary<string, UsageCounters> from, PeriodSlot slot)
    {
        foreach (var (key, counters) in from)
        {
            if (!into.TryGetValue(key, out var figures))
            {
                into[key] = figures = new Figures();
            }

            figures.Add(counters, slot);
        }
    }

    /// <summary>Each tenant's users: a union over the nodes, never a sum, so a user on two nodes counts once.</summary>
    private static Dictionary<string, UsageFigures> WithUsers(Dictionary<string, UsageFigures> tenants, IEnumerable<UsageReport> reports)
    {
        var unions = new Dictionary<string, UserUnion>(StringComparer.Ordinal);
        foreach (var report in reports)
        {
            foreach (var (tenant, set) in report.TenantUsers ?? new Dictionary<string, UserSet>())
            {
                if (tenants.ContainsKey(tenant))
                {
                    if (!unions.TryGetValue(tenant, out var union))
                    {
                        unions[tenant] = union = new UserUnion();
                    }

                    union.Add(set);
                }
            }
        }

        return tenants.ToDictionary(
            t => t.Key,
            t => unions.TryGetValue(t.Key, out var union) && union.Count() is var count
                ? t.Value with { Users = count.Users, UsersEstimated = count.Estimated, UsersError = count.Error }
                : t.Value with { Users = 0 },
            StringComparer.Ordinal);
    }

    private static Dictionary<string, UsageFigures> Top(UsageQuery query, Dictionary<string, Figures> items) =>
        query.Top(items.Select(i => KeyValuePair.Create(i.Key, i.Value.ToFigures())), f => f.Period.ConnectionMs, f => f.ConnectionMs)
            .ToDictionary(StringComparer.Ordinal);

    /// <summary>Which of the cluster's periods a node's current period is.</summary>
    private enum PeriodSlot
    {
        /// <summary>Another period length, or a start too far off: left out of the period figures.</summary>
        None,
        Current,
        Previous,
    }

    /// <summary>One key's figures, summed node by node.</summary>
    private sealed class Figures
    {
        private readonly List<long> _samples = [];
        private long _open, _connectionMs, _joins, _leaves, _peakSum, _peakMax, _joinsPerMinute, _leavesPerMinute;
        private Period _period, _previous;

        public static UsageFigures Of(UsageCounters counters, PeriodSlot slot)
        {
            var figures = new Figures();
            figures.Add(counters, slot);
            return figures.ToFigures();
        }

        public void Add(UsageCounters c, PeriodSlot slot)
        {
            _open += c.Open;
            _connectionMs += c.ConnectionMs;
            _joins += c.Joins;
            _leaves += c.Leaves;
            _peakSum += c.PeakConcurrent;
            _peakMax = Math.Max(_peakMax, c.PeakConcurrent);
            _joinsPerMinute += c.JoinsPerMinute;
            _leavesPerMinute += c.LeavesPerMinute;
            if (slot == PeriodSlot.Current)
            {
                _period = _period.Add(c.PeriodConnectionMs, c.PeriodPeakConcurrent);
                _previous = _previous.Add(c.PreviousPeriodConnectionMs, c.PreviousPeriodPeakConcurrent);
            }
            else if (slot == PeriodSlot.Previous)
            {
                _previous = _previous.Add(c.PeriodConnectionMs, c.PeriodPeakConcurrent);
            }

            if (c.SessionSamplesMs is { } samples)
            {
                _samples.AddRange(samples);
            }
        }

        /// <summary>Adds what a stopped or earlier incarnation stored for the current and the previous period.</summary>
        public void AddStored(long periodMs, long previousMs)
        {
            _period = _period with { ConnectionMs = _period.ConnectionMs + periodMs };
            _previous = _previous with { ConnectionMs = _previous.ConnectionMs + previousMs };
        }

        public UsageFigures ToFigures()
        {
            _samples.Sort();
            return new UsageFigures(
                _open,
                _connectionMs,
                _joins,
                _leaves,
                _peakSum,
                Math.Max(_peakMax, _open),
                new UsagePeriodFigures(_period.ConnectionMs, _period.PeakSum, Math.Max(_period.PeakMax, _open)),
                new UsagePeriodFigures(_previous.ConnectionMs, _previous.PeakSum, _previous.PeakMax),
                _joinsPerMinute,
                _leavesPerMinute,
                Percentile(_samples, 50),
                Percentile(_samples, 95),
                _samples.Count);
        }

        private readonly record struct Period(long ConnectionMs, long PeakSum, long PeakMax)
        {
            public Period Add(long connectionMs, long peak) => new(ConnectionMs + connectionMs, PeakSum + peak, Math.Max(PeakMax, peak));
        }
    }
}
