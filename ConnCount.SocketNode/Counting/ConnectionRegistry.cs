using System.Collections.Concurrent;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;

namespace ConnCount.SocketNode.Counting;

/// <summary>
/// This node's exact counts: open sockets and memberships per topic. Lock-free. Callers (one socket's session)
/// guarantee that every leave matches an earlier <see cref="Join"/>; the node keeps the <see cref="TopicMembership"/>
/// a join returns and ends it with <see cref="Leave(TopicMembership)"/>.
/// </summary>
/// <remarks>
/// <para>
/// <b>Striped counts.</b> A topic's count is split over <see cref="StripeCount"/> stripes (a power of two at least
/// <see cref="Environment.ProcessorCount"/>, at most 8), each a <see langword="long"/> on a cache line of its own.
/// A join adds one to the stripe of the processor it runs on, and the returned handle remembers that stripe, so the
/// leave takes one from the same stripe with no dictionary lookup. Two cores joining and leaving one busy topic
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
/// is taken back by its own join. All stripes at zero therefore proves the topic empty, and the counter is marked
/// dead (frozen for good) and removed from the dictionary; a join holding a dead counter retries on a fresh entry.
/// The hot path only ever <em>reads</em> the state, which shares a cache line with nothing that is written. A sweep
/// freezes only a counter it has just read as empty, for as long as it takes to read the stripes again; a join that
/// meets that freeze waits (spinning, then yielding) for the verdict.
/// </para>
/// <para>
/// Sweeps run off the hot path: the registry counts the entries it creates and, once they reach
/// max(1024, topics kept by the last sweep), queues a sweep on the thread pool. If the pool falls behind and
/// creations reach four times that, the creating join sweeps itself. Empty entries are thus bounded by about four
/// times max(1024, live topics), and the cost of a sweep is amortised over the entries created since the last one.
/// </para>
/// <para>
/// <b>Memory.</b> A topic costs (<see cref="StripeCount"/> + 1) cache lines of stripes (one line of padding keeps
/// the first stripe away from the array's header) plus about 64 bytes of objects: about 256 bytes with 2 stripes,
/// 384 with 4, 640 with 8 (on 8 processors or more), besides the dictionary's node and the topic string.
/// </para>
/// <para>
/// <b>Reads.</b> <see cref="Count"/>, <see cref="SnapshotTopics"/>, <see cref="TopicCount"/> and
/// <see cref="TotalMemberships"/> sum stripes without stopping writers: a read concurrent with joins and leaves
/// reflects each of them or not (a join that is about to retry may be seen for an instant); a read while nothing
/// changes is exact; no read is ever negative. Empty entries awaiting a sweep are never reported.
/// </para>
/// </remarks>
public sealed class ConnectionRegistry
{
    private const int CacheLine = 64;

    /// <summary>The fewest entry creations between two sweeps.</summary>
    private const int MinSweepBatch = 1024;

    /// <summary>How far past the sweep threshold creations may run before a join sweeps itself.</summary>
    private const int InlineSweepFactor = 4;

    private readonly ConcurrentDictionary<string, TopicCounter> _topics = new(StringComparer.Ordinal);

    // On a cache line of its own: every connect and close writes it, and every join reads _topics.
    private readonly PaddedCount _sockets = new();

    // Written when an entry is created, never on a join to an existing topic.
    private readonly SweepSchedule _sweep = new();

    /// <summary>Stripes per topic on this machine: a power of two at least the processor count, at most 8.</summary>
    public static int StripeCount => TopicCounter.StripeCount;

    /// <summary>Open sockets on this node.</summary>
    public long Sockets => Volatile.Read(ref _sockets.Value);

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
    /// more contended write on every join and every leave, the registry's hot path.
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

    public void SocketOpened() => Interlocked.Increment(ref _sockets.Value);

    /// <summary>Opens a socket only while fewer than <paramref name="max"/> are open; false means refuse it.</summary>
    public bool TryOpenSocket(long max)
    {
        while (true)
        {
            var current = Volatile.Read(ref _sockets.Value);
            if (current >= max)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _sockets.Value, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    public void SocketClosed() => Interlocked.Decrement(ref _sockets.Value);

    /// <summary>Adds one membership of <paramref name="topic"/>.</summary>
    /// <returns>The membership, to end with <see cref="Leave(TopicMembership)"/> (exactly once).</returns>
    public TopicMembership Join(string topic)
    {
        var stripe = Thread.GetCurrentProcessorId() & TopicCounter.StripeMask;
        var spin = new SpinWait();
        while (true)
        {
            var counter = _topics.GetOrAdd(topic, static (key, registry) => registry.CreateCounter(key), this);
            if (counter.TryJoin(stripe))
            {
                return new TopicMembership(counter, stripe);
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
        var counter = membership.Counter
            ?? throw new ArgumentException("A default TopicMembership is not a membership.", nameof(membership));
        if (!counter.TryTake(membership.Stripe))
        {
            throw new InvalidOperationException($"Leave of '{counter.Topic}' without a matching join.");
        }
    }

    /// <summary>Removes one membership of <paramref name="topic"/>: a lookup, then a unit from any stripe that has one.</summary>
    /// <remarks>Prefer <see cref="Leave(TopicMembership)"/>; the two may be mixed on one topic and counts stay exact.</remarks>
    /// <exception cref="InvalidOperationException">There was no membership to remove (a caller bug; counts are left untouched).</exception>
    public void Leave(string topic)
    {
        if (!_topics.TryGetValue(topic, out var counter)
            || !counter.TryTake(Thread.GetCurrentProcessorId() & TopicCounter.StripeMask))
        {
            throw new InvalidOperationException($"Leave of '{topic}' without a matching join.");
        }
    }

    /// <summary>Members of one topic on this node.</summary>
    public long Count(string topic) => _topics.TryGetValue(topic, out var counter) ? counter.Count() : 0;

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
    /// Removes the entries of topics that have no member. Safe to call at any time, concurrently with joins, leaves and
    /// other sweeps; the registry also calls it by itself (see the class remarks), so callers need not.
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
            if (entry.Value.TryRetireIfEmpty() && _topics.TryRemove(entry))
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

    private TopicCounter CreateCounter(string topic)
    {
        var created = Interlocked.Increment(ref _sweep.Created);
        var threshold = Volatile.Read(ref _sweep.Threshold);
        if (created >= threshold)
        {
            if (Interlocked.CompareExchange(ref _sweep.Queued, 1, 0) == 0)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static registry => registry.QueuedSweep(), this, preferLocal: false);
            }
            else if (created >= (long)threshold * InlineSweepFactor)
            {
                // The queued sweep has not run yet and entries keep coming: do not let them pile up.
                RemoveEmptyTopics();
            }
        }

        return new TopicCounter(topic);
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

    /// <summary>
    /// One topic's count: <see cref="StripeCount"/> stripes of units, and a state that is 0 while joins may count here.
    /// </summary>
    /// <remarks>
    /// The state is a number of freezes (a sweep's, or a leave's slow path) plus <see cref="DeadBit"/> once a sweep
    /// has found the counter empty; joins only read it. Stripe <c>i</c> is element <c>(i + 1) × 8</c> of one array,
    /// so every stripe is 64 bytes from the next and from the array's header, which bounds checks read.
    /// </remarks>
    internal sealed class TopicCounter
    {
        private const int MaxStripes = 8;
        private const int LongsPerLine = CacheLine / sizeof(long);
        private const int DeadBit = 1 << 30;

        public static readonly int StripeCount =
            (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount, 1, MaxStripes));

        public static readonly int StripeMask = StripeCount - 1;

        private readonly long[] _lines = new long[(StripeCount + 1) * LongsPerLine];
        private int _state;

        public TopicCounter(string topic) => Topic = topic;

        public string Topic { get; }

        /// <summary>The sum of the stripes; never negative.</summary>
        public long Count()
        {
            long sum = 0;
            for (var i = 0; i < StripeCount; i++)
            {
                sum += Volatile.Read(ref Stripe(i));
            }

            return sum;
        }

        /// <summary>Adds a unit to <paramref name="stripe"/>; false (and nothing counted) when the counter is frozen.</summary>
        public bool TryJoin(int stripe)
        {
            // Add, then read the state: the add is a full fence, so either a sweep's freeze is seen here or this
            // unit is seen by the sweep's sum (see the class remarks of ConnectionRegistry).
            Interlocked.Increment(ref Stripe(stripe));
            if (Volatile.Read(ref _state) == 0)
            {
                return true;
            }

            // Take a unit back, from this stripe first: a sweep's proof of emptiness relies on it.
            var undone = TryTake(stripe);
            Debug.Assert(undone, "A unit just added is always there to take back.");
            return false;
        }

        /// <summary>
        /// Takes one unit, from <paramref name="preferred"/> first, then from any stripe that has one; false, and nothing
        /// changed, when no stripe has one.
        /// </summary>
        /// <remarks>
        /// A pass over the stripes is not a snapshot: while joins are counted, a unit may be added to a stripe behind the
        /// pass and another taken ahead of it. So before concluding "none", the pass is repeated with the counter frozen:
        /// no join counts then, and a pass that finds every stripe empty proves there is no unit to take.
        /// </remarks>
        public bool TryTake(int preferred)
        {
            if (TryTakeOnePass(preferred))
            {
                return true;
            }

            Interlocked.Increment(ref _state);
            try
            {
                return TryTakeOnePass(preferred);
            }
            finally
            {
                Interlocked.Decrement(ref _state);
            }
        }

        /// <summary>
        /// Marks the counter dead if it has no unit; true when it is dead (the caller then removes its entry).
        /// </summary>
        public bool TryRetireIfEmpty()
        {
            // A counter with members is left alone without writing its state, which every join reads.
            if (Count() != 0)
            {
                return false;
            }

            Interlocked.Increment(ref _state);
            if (Count() == 0)
            {
                // This freeze is never lifted: a dead counter counts no join again.
                Interlocked.Or(ref _state, DeadBit);
                return true;
            }

            Interlocked.Decrement(ref _state);
            return false;
        }

        private bool TryTakeOnePass(int preferred)
        {
            for (var i = 0; i < StripeCount; i++)
            {
                ref var cell = ref Stripe((preferred + i) & StripeMask);
                var value = Volatile.Read(ref cell);
                while (value > 0)
                {
                    var seen = Interlocked.CompareExchange(ref cell, value - 1, value);
                    if (seen == value)
                    {
                        return true;
                    }

                    value = seen;
                }
            }

            return false;
        }

        private ref long Stripe(int stripe) => ref _lines[(stripe + 1) * LongsPerLine];
    }

    /// <summary>A counter alone on its cache line.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 2 * CacheLine)]
    private sealed class PaddedCount
    {
        [FieldOffset(CacheLine)]
        public long Value;
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

/// <summary>
/// One membership counted by <see cref="ConnectionRegistry.Join"/>. Keep it and pass it, once, to
/// <see cref="ConnectionRegistry.Leave(TopicMembership)"/>: that leave goes straight to the stripe the join counted in.
/// </summary>
public readonly record struct TopicMembership
{
    internal TopicMembership(ConnectionRegistry.TopicCounter counter, int stripe)
    {
        Counter = counter;
        Stripe = stripe;
    }

    /// <summary>The topic joined; null for the default value, which is no membership.</summary>
    public string? Topic => Counter?.Topic;

    internal ConnectionRegistry.TopicCounter? Counter { get; }

    internal int Stripe { get; }
}
