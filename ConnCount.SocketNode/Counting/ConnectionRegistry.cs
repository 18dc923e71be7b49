using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace ConnCount.SocketNode.Counting;

/// <summary>
/// This node's exact counts: open sockets and memberships per topic. Lock-free; a topic's entry is
/// removed when its count reaches zero, so a node that saw a million topics does not keep them.
/// Callers (one socket's session) guarantee that every <see cref="Leave"/> matches an earlier <see cref="Join"/>.
/// </summary>
public sealed class ConnectionRegistry
{
    private const int CacheLine = 64;

    private readonly ConcurrentDictionary<string, TopicCounter> _topics = new(StringComparer.Ordinal);

    // On a cache line of its own: every connect and close writes it, and every join reads _topics.
    private readonly PaddedCount _sockets = new();

    /// <summary>Open sockets on this node.</summary>
    public long Sockets => Volatile.Read(ref _sockets.Value);

    /// <summary>Distinct topics with at least one member.</summary>
    public int TopicCount => _topics.Count;

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
                total += counter.Value;
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
    public void Join(string topic)
    {
        var spin = new SpinWait();
        while (true)
        {
            var counter = _topics.GetOrAdd(topic, static _ => new TopicCounter());
            if (counter.TryIncrement())
            {
                return;
            }

            // The counter was retired at zero and is being removed: take the fresh one.
            spin.SpinOnce();
        }
    }

    /// <summary>Removes one membership of <paramref name="topic"/>.</summary>
    /// <exception cref="InvalidOperationException">There was no membership to remove (a caller bug; counts are left untouched).</exception>
    public void Leave(string topic)
    {
        if (!_topics.TryGetValue(topic, out var counter) || !counter.TryDecrement(out var remaining))
        {
            throw new InvalidOperationException($"Leave of '{topic}' without a matching join.");
        }

        if (remaining == 0 && counter.TryRetire())
        {
            _topics.TryRemove(KeyValuePair.Create(topic, counter));
        }
    }

    /// <summary>Members of one topic on this node.</summary>
    public long Count(string topic) => _topics.TryGetValue(topic, out var counter) ? counter.Value : 0;

    /// <summary>A copy of the per-topic counts; topics with no member are left out.</summary>
    public Dictionary<string, long> SnapshotTopics()
    {
        var copy = new Dictionary<string, long>(_topics.Count, StringComparer.Ordinal);
        foreach (var (topic, counter) in _topics)
        {
            var value = counter.Value;
            if (value > 0)
            {
                copy[topic] = value;
            }
        }

        return copy;
    }

    /// <summary>
    /// A count that can be retired. Joins and leaves are one <see cref="Interlocked"/> add each, never a
    /// compare-and-swap loop, so two cores on one topic never retry each other's writes. Retiring swaps 0
    /// for a large negative value: a join that lands on it gets a result far below zero and moves on to the
    /// fresh counter, and a retired counter is never read again.
    /// </summary>
    /// <remarks>
    /// The value sits on a cache line of its own, apart from the object header and the dictionary's node, so
    /// writes to one busy topic do not slow the lookups of its neighbours.
    /// </remarks>
    [StructLayout(LayoutKind.Explicit, Size = 2 * CacheLine)]
    private sealed class TopicCounter
    {
        private const long Retired = long.MinValue / 2;

        [FieldOffset(CacheLine)]
        private long _value;

        /// <summary>The current count; never below zero, whatever is racing.</summary>
        public long Value => Math.Max(Volatile.Read(ref _value), 0);

        /// <summary>False when the counter is retired. A result of 0 means a stray leave's -1 is about to be undone: this join still counts.</summary>
        public bool TryIncrement() => Interlocked.Increment(ref _value) > Retired / 2;

        /// <summary>False, and nothing changed, when there was no membership to remove (a leave with no join).</summary>
        public bool TryDecrement(out long remaining)
        {
            remaining = Interlocked.Decrement(ref _value);
            if (remaining >= 0)
            {
                return true;
            }

            Interlocked.Increment(ref _value);
            return false;
        }

        public bool TryRetire() => Interlocked.CompareExchange(ref _value, Retired, 0) == 0;
    }

    /// <summary>A counter alone on its cache line.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 2 * CacheLine)]
    private sealed class PaddedCount
    {
        [FieldOffset(CacheLine)]
        public long Value;
    }
}
