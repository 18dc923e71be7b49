using ConnCount.Cluster.Aggregation;
using ConnCount.Cluster.Contracts;

namespace ConnCount.Cluster.Durable;

/// <summary>One node incarnation: its id and epoch.</summary>
public readonly record struct Incarnation(string Node, DateTimeOffset StartedAt);

/// <summary>One period on one period length.</summary>
public readonly record struct PeriodId(long PeriodSeconds, DateTimeOffset Start)
{
    /// <summary>When the period ends.</summary>
    public DateTimeOffset End => Start.AddSeconds(PeriodSeconds);
}

/// <summary>What one incarnation's records add up to in one period.</summary>
public sealed class StoredShare
{
    /// <summary>Connection-milliseconds over every topic.</summary>
    public long ConnectionMs { get; private set; }

    /// <summary>Per topic.</summary>
    public Dictionary<string, long> Topics { get; } = new(StringComparer.Ordinal);

    /// <summary>Per tenant.</summary>
    public Dictionary<string, long> Tenants { get; } = new(StringComparer.Ordinal);

    internal void Add(UsagePeriodDelta delta)
    {
        foreach (var (topic, ms) in delta.Topics)
        {
            Topics[topic] = Topics.GetValueOrDefault(topic) + ms;
            ConnectionMs += ms;
        }

        foreach (var (tenant, ms) in delta.Tenants)
        {
            Tenants[tenant] = Tenants.GetValueOrDefault(tenant) + ms;
        }
    }
}

/// <summary>
/// The durable usage records read back from the stream, summed per period and incarnation, for the periods not yet
/// closed. A pure core (no I/O, no clock): <see cref="StoredUsageFeed"/> feeds it and the period closer closes from it.
/// Not thread-safe: its owner locks.
/// </summary>
/// <remarks>
/// An incarnation publishes its records in order and waits for each acknowledgement, so its messages reach the stream
/// in (sequence, chunk) order; a retried message lands again after the original at worst. Anything at or below the
/// last applied (sequence, chunk) of its incarnation is therefore a duplicate and is dropped: a record counts once
/// even when the stream stored it twice, and a replay from the start applies nothing twice.
/// </remarks>
public sealed class StoredUsage
{
    private readonly Dictionary<PeriodId, Dictionary<Incarnation, StoredShare>> _periods = [];
    private readonly Dictionary<Incarnation, Progress> _progress = [];
    private readonly HashSet<PeriodId> _closed = [];

    /// <summary>Gains that arrived for a period already closed (left out of it, and counted here).</summary>
    public long LateMs { get; private set; }

    /// <summary>The periods with stored figures that are not closed yet.</summary>
    public IReadOnlyCollection<PeriodId> OpenPeriods => _periods.Keys;

    /// <summary>Applies one record message; false when it is a duplicate.</summary>
    public bool Apply(UsageRecord record)
    {
        var incarnation = new Incarnation(record.Node, record.StartedAt);
        _progress.TryGetValue(incarnation, out var progress);
        if (progress is not null && (record.Sequence, record.Chunk).CompareTo((progress.Sequence, progress.Chunk)) <= 0)
        {
            return false;
        }

        progress ??= _progress[incarnation] = new Progress();
        progress.Sequence = record.Sequence;
        progress.Chunk = record.Chunk;
        if (record.Chunk == record.Chunks - 1 && record.Through > progress.Through)
        {
            // Only a whole record says its incarnation has counted everything up to its instant.
            progress.Through = record.Through;
        }

        foreach (var delta in record.Periods)
        {
            var period = new PeriodId(record.PeriodSeconds, delta.PeriodStart);
            if (_closed.Contains(period))
            {
                LateMs += delta.Topics.Values.Sum();
                continue;
            }

            if (!_periods.TryGetValue(period, out var shares))
            {
                _periods[period] = shares = [];
            }

            if (!shares.TryGetValue(incarnation, out var share))
            {
                shares[incarnation] = share = new StoredShare();
            }

            share.Add(delta);
        }

        return true;
    }

    /// <summary>A period is closed (read back from the bucket, or closed here): its records are no longer kept.</summary>
    public void MarkClosed(PeriodId period)
    {
        _closed.Add(period);
        _periods.Remove(period);
    }

    /// <summary>The stored shares of <paramref name="period"/>, per incarnation.</summary>
    public IReadOnlyDictionary<Incarnation, StoredShare> SharesOf(PeriodId period) =>
        _periods.TryGetValue(period, out var shares) ? shares : new Dictionary<Incarnation, StoredShare>();

    /// <summary>The instant up to which <paramref name="incarnation"/> has stored everything; null when it has stored no whole record.</summary>
    public DateTimeOffset? ThroughOf(Incarnation incarnation) =>
        _progress.TryGetValue(incarnation, out var p) && p.Through > DateTimeOffset.MinValue ? p.Through : null;

    /// <summary>
    /// Whether <paramref name="period"/> can close: <paramref name="grace"/> has passed since its end, and every
    /// incarnation the directory knows (<paramref name="known"/>) that started before that has stored a whole record
    /// through the end plus the grace. The incarnations the directory no longer knows have stopped: their records are final.
    /// </summary>
    public bool CanClose(PeriodId period, IReadOnlyCollection<KnownNode> known, DateTimeOffset now, TimeSpan grace)
    {
        var settled = period.End + grace;
        return now >= settled
            && known.Where(k => k.StartedAt < settled).All(k => ThroughOf(new Incarnation(k.Node, k.StartedAt)) >= settled);
    }

    /// <summary>
    /// The closed record of <paramref name="period"/>, split into chunks of about <paramref name="maxChunkBytes"/> of
    /// JSON: topics then tenants in ordinal order, so every closer splits the same figures the same way.
    /// </summary>
    public IReadOnlyList<UsagePeriodRecord> Close(PeriodId period, DateTimeOffset closedAt, int maxChunkBytes)
    {
        var shares = SharesOf(period);
        var topics = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var tenants = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var nodes = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (incarnation, share) in shares)
        {
            nodes[incarnation.Node] = nodes.GetValueOrDefault(incarnation.Node) + share.ConnectionMs;
            Sum(topics, share.Topics);
            Sum(tenants, share.Tenants);
        }

        var total = topics.Values.Sum();
        var entries = topics.Select(t => (Tenant: false, t.Key, Ms: t.Value)).Concat(tenants.Select(t => (Tenant: true, t.Key, Ms: t.Value)));
        var nodesBytes = nodes.Sum(n => UsageChunks.EntrySize(n.Key));
        var chunks = UsageChunks.Split(entries, e => e.Key, maxChunkBytes, nodesBytes);

        return [.. chunks.Select((chunk, i) => new UsagePeriodRecord(
            period.Start,
            period.PeriodSeconds,
            closedAt,
            i,
            chunks.Count,
            total,
            nodes,
            shares.Count,
            chunk.Where(e => !e.Tenant).ToDictionary(e => e.Key, e => e.Ms, StringComparer.Ordinal),
            chunk.Where(e => e.Tenant).ToDictionary(e => e.Key, e => e.Ms, StringComparer.Ordinal)))];
    }

    private static void Sum(SortedDictionary<string, long> into, Dictionary<string, long> from)
    {
        foreach (var (key, ms) in from)
        {
            into[key] = into.GetValueOrDefault(key) + ms;
        }
    }

    private sealed class Progress
    {
        public long Sequence;
        public int Chunk;
        public DateTimeOffset Through = DateTimeOffset.MinValue;
    }
}
