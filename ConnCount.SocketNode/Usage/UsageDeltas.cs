using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Durable;

namespace ConnCount.SocketNode.Usage;

/// <summary>A topic's or a tenant's account, as a key of the durable figures.</summary>
internal readonly record struct UsageKey(bool IsTenant, string Name);

/// <summary>One account's period figures as of a snapshot: the current period up to then, and the previous one.</summary>
internal readonly record struct AccountPeriods(UsageKey Key, long PeriodMs, long PreviousPeriodMs);

/// <summary>Every live account's period figures at one instant (<see cref="UsageLedger.PeriodSnapshot"/>).</summary>
internal sealed record UsageSnapshot(long AtMs, long PeriodStartMs, IReadOnlyList<AccountPeriods> Accounts);

/// <summary>
/// Turns the ledger's cumulative period figures into the deltas of durable usage records: what each period gained per
/// topic and tenant since the last record. A pure core (no I/O, no clock) behind <see cref="UsageRecorder"/>.
/// </summary>
/// <remarks>
/// <para>Every snapshot is compared with what was already handed out for the current and the previous period (the
/// previous one still changes once, when its end is first seen, and by late-stamped events); the difference goes into
/// the open record. Older periods cannot change any more and are forgotten.</para>
/// <para>A record is frozen when it is first written: its sequence, instant and chunks never change, so a retry after a
/// lost acknowledgement is the same message with the same id, stored once. While it cannot be written, new gains go
/// into the next open record, which is never tried before the head succeeds. So at most two records are held, and the
/// open one grows only by its distinct (period, key) entries, up to a bound.</para>
/// </remarks>
internal sealed class UsageDeltas(long periodMs, int maxBufferedEntries)
{
    private readonly Dictionary<long, Dictionary<UsageKey, long>> _accounted = [];
    private readonly SortedDictionary<long, Dictionary<UsageKey, long>> _open = [];
    private long _openThroughMs = long.MinValue;
    private bool _observedSinceFreeze;
    private long _sequence;

    /// <summary>The record being written, if any: frozen, retried as it is until acknowledged.</summary>
    public PendingRecord? Head { get; private set; }

    /// <summary>Entries (period and key) waiting in the open record.</summary>
    public int BufferedEntries { get; private set; }

    /// <summary>Connection-milliseconds dropped because the buffer was full (the oldest periods first).</summary>
    public long DroppedMs { get; private set; }

    /// <summary>Adds what every account gained since the last snapshot to the open record.</summary>
    /// <returns>The connection-milliseconds dropped to stay within the buffer bound (0 normally).</returns>
    public long Observe(UsageSnapshot snapshot)
    {
        var previous = snapshot.PeriodStartMs - periodMs;
        foreach (var account in snapshot.Accounts)
        {
            Gain(snapshot.PeriodStartMs, account.Key, account.PeriodMs);
            Gain(previous, account.Key, account.PreviousPeriodMs);
        }

        foreach (var period in _accounted.Keys.Where(p => p < previous).ToList())
        {
            _accounted.Remove(period);
        }

        _openThroughMs = Math.Max(_openThroughMs, snapshot.AtMs);
        _observedSinceFreeze = true;
        return DropOverflow();
    }

    /// <summary>
    /// The record to write next: the head if one is waiting, else the open record frozen into a new head, once per
    /// snapshot (an empty one too: it tells readers the incarnation has counted everything up to its instant).
    /// </summary>
    /// <param name="maxChunkBytes">Roughly the most a chunk's JSON may take (the payload limit with room to spare).</param>
    public PendingRecord? Next(int maxChunkBytes)
    {
        if (Head is not null || !_observedSinceFreeze)
        {
            return Head;
        }

        var entries = _open.SelectMany(p => p.Value.Select(e => (Period: p.Key, e.Key, Ms: e.Value)))
            .OrderBy(e => e.Period).ThenBy(e => e.Key.IsTenant).ThenBy(e => e.Key.Name, StringComparer.Ordinal)
            .ToList();
        Head = new PendingRecord(++_sequence, _openThroughMs, UsageChunks.Split(entries, e => e.Key.Name, maxChunkBytes, period: e => e.Period));
        _open.Clear();
        BufferedEntries = 0;
        _observedSinceFreeze = false;
        return Head;
    }

    /// <summary>The head was stored: the next <see cref="Next"/> freezes the open record.</summary>
    public void Acknowledge() => Head = null;

    private void Gain(long period, UsageKey key, long cumulative)
    {
        if (!_accounted.TryGetValue(period, out var accounted))
        {
            _accounted[period] = accounted = [];
        }

        var before = accounted.GetValueOrDefault(key);
        if (cumulative == before)
        {
            return;
        }

        accounted[key] = cumulative;
        if (!_open.TryGetValue(period, out var open))
        {
            _open[period] = open = [];
        }

        if (!open.TryGetValue(key, out var gained))
        {
            BufferedEntries++;
        }

        open[key] = gained + cumulative - before;
    }

    private long DropOverflow()
    {
        long dropped = 0;
        while (BufferedEntries > maxBufferedEntries && _open.Count > 0)
        {
            var oldest = _open.First();
            _open.Remove(oldest.Key);
            BufferedEntries -= oldest.Value.Count;
            dropped += oldest.Value.Values.Sum();
        }

        DroppedMs += dropped;
        return dropped;
    }
}

/// <summary>A frozen record: its sequence, the instant it counts through, and its entries split into chunks.</summary>
internal sealed record PendingRecord(long Sequence, long ThroughMs, IReadOnlyList<IReadOnlyList<(long Period, UsageKey Key, long Ms)>> Chunks)
{
    /// <summary>The record's messages, one per chunk.</summary>
    public IEnumerable<UsageRecord> ToMessages(string node, DateTimeOffset startedAt, long periodSeconds) =>
        Chunks.Select((entries, chunk) => new UsageRecord(
            node,
            startedAt,
            Sequence,
            chunk,
            Chunks.Count,
            periodSeconds,
            DateTimeOffset.FromUnixTimeMilliseconds(ThroughMs),
            [.. entries.GroupBy(e => e.Period).Select(p => new UsagePeriodDelta(
                DateTimeOffset.FromUnixTimeMilliseconds(p.Key),
                p.Where(e => !e.Key.IsTenant).ToDictionary(e => e.Key.Name, e => e.Ms, StringComparer.Ordinal),
                p.Where(e => e.Key.IsTenant).ToDictionary(e => e.Key.Name, e => e.Ms, StringComparer.Ordinal)))]));
}
