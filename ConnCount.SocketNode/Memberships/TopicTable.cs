using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace ConnCount.SocketNode.Memberships;

/// <summary>
/// This node's topics: one <see cref="TopicEntry"/> per topic, holding its exact member count and everything else the
/// node keeps about it (its connection-time account, its join count and spike detector, its metric tag). Counting is
/// lock-free. Callers (the <see cref="MembershipPipeline"/>) guarantee that every leave matches an earlier
/// <see cref="Join"/>; the node keeps the <see cref="TopicMembership"/> a join returns and ends it with
/// <see cref="Leave(TopicMembership)"/>.
/// </summary>
/// <remarks>
/// <para>
/// <b>One lookup.</b> A join looks its topic up once; the membership it returns holds the entry, so its leave and
/// everything that hears of the join or the leave (<see cref="IMembershipObserver"/>) reach the topic's state with no
/// other dictionary. One sweep (<see cref="RemoveEmptyTopics"/>) removes entries that nothing needs any more.
/// </para>
/// <para>
/// <b>Striped counts.</b> A topic's count is split over <see cref="StripeCount"/> stripes (a power of two at least
/// <see cref="Environment.ProcessorCount"/>, at most 8), each a <see langword="long"/> on a cache line of its own.
/// A join adds one to the stripe of the processor it runs on (and to that stripe's count of joins, on the same cache
/// line, which spike detection samples), and the returned handle remembers that stripe, so the leave takes one from
/// the same stripe with no dictionary lookup. Two cores joining and leaving one busy topic
/// therefore write two different cache lines instead of fighting over one. The count is the sum of the stripes.
/// </para>
/// <para>
/// <b>Units, never negative.</b> Every stripe is a number of units and never drops below zero: a join adds a unit
/// (one <see cref="Interlocked"/> add); a leave takes a unit with a compare-and-swap that only succeeds on a positive
/// stripe, its own stripe first, then any other (<see cref="Leave(string)"/> knows no stripe; a handle's stripe may
/// have been emptied by such a leave). Units are interchangeable, so the sum stays exact whatever stripe they are
/// taken from.
/// </para>
/// <para>
/// <b>Removing empty topics.</b> A leave does not remove anything: a topic that empties keeps its entry until a
/// sweep (<see cref="RemoveEmptyTopics"/>) finds it empty. A counter has a <em>frozen</em> state that only a sweep
/// (or a leave's rare slow path) writes. A join adds its unit and then reads the state; if the counter is frozen it
/// takes the unit back and retries. A sweep freezes a counter (a full fence) and then reads the stripes: a join that
/// saw the counter unfrozen added its unit before the freeze, so the sweep sees it; every unit added after the freeze
/// is taken back by its own join. All stripes at zero therefore proves the topic empty; if nothing else of the entry
/// is still needed (<see cref="TopicEntry.IsIdle"/>: its connection-time account retired, its joins sampled, its
/// spike detector idle, no user in its user slot), the entry is marked dead (frozen for good) and removed from the dictionary; a join holding a dead counter retries on a fresh entry.
/// The hot path only ever <em>reads</em> the state, which shares a cache line with nothing that is written. A sweep
/// freezes only a counter it has just read as empty, for as long as it takes to read the stripes again; a join that
/// meets that freeze waits (spinning, then yielding) for the verdict.
/// </para>
/// <para>
/// Sweeps run off the hot path: the table counts the entries it creates and, once they reach
/// max(1024, topics kept by the last sweep), queues a sweep on the thread pool. If the pool falls behind and
/// creations reach four times that, the creating join sweeps itself. Empty entries are thus bounded by about four
/// times max(1024, live topics), and the cost of a sweep is amortised over the entries created since the last one.
/// </para>
/// <para>
/// <b>Memory.</b> A topic costs (<see cref="StripeCount"/> + 1) cache lines of stripes (one line of padding keeps
/// the first stripe away from the array's header) plus about 110 bytes of objects (the user slot is a null reference
/// until a membership with a user comes, so topics without users pay 8 bytes for it): about 300 bytes with 2 stripes,
/// 420 with 4, 680 with 8 (on 8 processors or more), besides the dictionary's node, the topic string and its
/// connection-time account.
/// </para>
/// <para>
/// <b>Reads.</b> <see cref="Count"/>, <see cref="SnapshotTopics"/>, <see cref="TopicCount"/> and
/// <see cref="TotalMemberships"/> sum stripes without stopping writers: a read concurrent with joins and leaves
/// reflects each of them or not (a join that is about to retry may be seen for an instant); a read while nothing
/// changes is exact; no read is ever negative. Empty entries awaiting a sweep are never reported.
/// </para>
/// </remarks>
public sealed class TopicTable
{
    internal const int CacheLine = 64;

    /// <summary>The fewest entry creations between two sweeps.</summary>
    private const int MinSweepBatch = 1024;

    /// <summary>How far past the sweep threshold creations may run before a join sweeps itself.</summary>
    private const int InlineSweepFactor = 4;

    private readonly ConcurrentDictionary<string, TopicEntry> _topics = new(StringComparer.Ordinal);

    // Written when an entry is created, never on a join to an existing topic.
    private readonly SweepSchedule _sweep = new();

    /// <summary>Stripes per topic on this machine: a power of two at least the processor count, at most 8.</summary>
    internal static int StripeCount => TopicEntry.StripeCount;

    /// <summary>Distinct topics with at least one member (empty entries awaiting a sweep are not counted).</summary>
    /// <remarks>Counted when read, over every entry: a gauge's read, not a hot-path one.</remarks>
    public int TopicCount
    {
        get
        {
            var topics = 0;
            foreach (var (_, counter) in _topics)
            {
                if (counter.Count() > 0)
                {
                    topics++;
                }
            }

            return topics;
        }
    }

    /// <summary>Sum of memberships over all topics.</summary>
    /// <remarks>
    /// Summed when read (a metrics gauge reads it), not kept in a shared counter: that counter would be one
    /// more contended write on every join and every leave, the table's hot path.
    /// </remarks>
    public long TotalMemberships
    {
        get
        {
            long total = 0;
            foreach (var (_, counter) in _topics)
            {
                total += counter.Count();
            }

            return total;
        }
    }

    /// <summary>Adds one membership of <paramref name="topic"/>.</summary>
    /// <returns>The membership, to end with <see cref="Leave(TopicMembership)"/> (exactly once).</returns>
    public TopicMembership Join(string topic)
    {
        var stripe = Thread.GetCurrentProcessorId() & TopicEntry.StripeMask;
        var spin = new SpinWait();
        while (true)
        {
            var entry = _topics.GetOrAdd(topic, static (key, table) => table.CreateEntry(key), this);
            if (entry.TryJoin(stripe))
            {
                return new TopicMembership(entry, stripe);
            }

            // A sweep froze the counter: it is about to remove it (then GetOrAdd gives a fresh one) or thaw it.
            spin.SpinOnce();
        }
    }

    /// <summary>Ends a membership that <see cref="Join"/> returned: one compare-and-swap on its stripe, no lookup.</summary>
    /// <exception cref="ArgumentException"><paramref name="membership"/> is the default value, not a join's.</exception>
    /// <exception cref="InvalidOperationException">
    /// The topic has no membership left to remove (the membership was already ended: a caller bug; counts are left untouched).
    /// </exception>
    public void Leave(TopicMembership membership)
    {
        var entry = membership.Entry
            ?? throw new ArgumentException("A default TopicMembership is not a membership.", nameof(membership));
        if (!entry.TryTake(membership.Stripe))
        {
            throw new InvalidOperationException($"Leave of '{entry.Topic}' without a matching join.");
        }
    }

    /// <summary>Removes one membership of <paramref name="topic"/>: a lookup, then a unit from any stripe that has one.</summary>
    /// <remarks>Prefer <see cref="Leave(TopicMembership)"/>; the two may be mixed on one topic and counts stay exact.</remarks>
    /// <exception cref="InvalidOperationException">There was no membership to remove (a caller bug; counts are left untouched).</exception>
    internal void Leave(string topic)
    {
        if (!_topics.TryGetValue(topic, out var entry)
            || !entry.TryTake(Thread.GetCurrentProcessorId() & TopicEntry.StripeMask))
        {
            throw new InvalidOperationException($"Leave of '{topic}' without a matching join.");
        }
    }

    /// <summary>Members of one topic on this node.</summary>
    internal long Count(string topic) => _topics.TryGetValue(topic, out var entry) ? entry.Count() : 0;

    /// <summary>
    /// Every entry, members or not (an entry without members may still hold connection time or a spike detector).
    /// A live view: entries created or removed meanwhile may or may not be seen.
    /// </summary>
    internal IEnumerable<TopicEntry> Entries => _topics.Select(static t => t.Value);

    /// <summary>The entry of <paramref name="topic"/>, if it has one.</summary>
    internal TopicEntry? Find(string topic) => _topics.GetValueOrDefault(topic);

    /// <summary>A copy of the per-topic counts; topics with no member are left out.</summary>
    public Dictionary<string, long> SnapshotTopics()
    {
        var copy = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (topic, counter) in _topics)
        {
            var value = counter.Count();
            if (value > 0)
            {
                copy[topic] = value;
            }
        }

        return copy;
    }

    /// <summary>
    /// Removes the entries of topics that have no member and nothing else still needed (<see cref="TopicEntry.IsIdle"/>).
    /// Safe to call at any time, concurrently with joins, leaves and other sweeps; the table also calls it by itself
    /// (see the class remarks), and the usage ledger's sweep after retiring accounts.
    /// </summary>
    /// <returns>The number of entries this call removed.</returns>
    public int RemoveEmptyTopics()
    {
        // Creations from here on count towards the next sweep.
        Interlocked.Exchange(ref _sweep.Created, 0);
        var removed = 0;
        var kept = 0;
        foreach (var entry in _topics)
        {
            if (entry.Value.TryRetireIfIdle() && _topics.TryRemove(entry))
            {
                removed++;
            }
            else
            {
                kept++;
            }
        }

        Volatile.Write(ref _sweep.Threshold, Math.Max(MinSweepBatch, kept));
        return removed;
    }

    private TopicEntry CreateEntry(string topic)
    {
        var created = Interlocked.Increment(ref _sweep.Created);
        var threshold = Volatile.Read(ref _sweep.Threshold);
        if (created >= threshold)
        {
            if (Interlocked.CompareExchange(ref _sweep.Queued, 1, 0) == 0)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static table => table.QueuedSweep(), this, preferLocal: false);
            }
            else if (created >= (long)threshold * InlineSweepFactor)
            {
                // The queued sweep has not run yet and entries keep coming: do not let them pile up.
                RemoveEmptyTopics();
            }
        }

        return new TopicEntry(topic);
    }

    private void QueuedSweep()
    {
        try
        {
            RemoveEmptyTopics();
        }
        finally
        {
            Volatile.Write(ref _sweep.Queued, 0);
        }
    }

    /// <summary>When the next sweep is due; on cache lines of their own, away from the fields every join reads.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 2 * CacheLine)]
    private sealed class SweepSchedule
    {
        /// <summary>Entries created since the last sweep started.</summary>
        [FieldOffset(CacheLine)]
        public long Created;

        /// <summary>Creations that make a sweep due: max(1024, entries the last sweep kept).</summary>
        [FieldOffset(CacheLine + 8)]
        public int Threshold = MinSweepBatch;

        /// <summary>1 while a sweep is queued on the thread pool or running there.</summary>
        [FieldOffset(CacheLine + 12)]
        public int Queued;
    }
}
