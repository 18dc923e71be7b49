using System.Collections.Concurrent;

namespace ConnCount.SocketNode.Counting;

/// <summary>
/// This node's exact counts: open sockets and memberships per topic. Lock-free; a topic's entry is
/// removed when its count reaches zero, so a node that saw a million topics does not keep them.
/// Callers (one socket's session) guarantee that every <see cref="Leave"/> matches an earlier <see cref="Join"/>.
/// </summary>
public sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<string, TopicCounter> _topics = new(StringComparer.Ordinal);
    private long _sockets;
    private long _memberships;

    /// <summary>Open sockets on this node.</summary>
    public long Sockets => Interlocked.Read(ref _sockets);

    /// <summary>Distinct topics with at least one member.</summary>
    public int TopicCount => _topics.Count;

    /// <summary>Sum of memberships over all topics.</summary>
    public long TotalMemberships => Interlocked.Read(ref _memberships);

    public void SocketOpened() => Interlocked.Increment(ref _sockets);

    /// <summary>Opens a socket only while fewer than <paramref name="max"/> are open; false means refuse it.</summary>
    public bool TryOpenSocket(long max)
    {
        while (true)
        {
            var current = Interlocked.Read(ref _sockets);
            if (current >= max)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _sockets, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    public void SocketClosed() => Interlocked.Decrement(ref _sockets);

    /// <summary>Adds one membership of <paramref name="topic"/>.</summary>
    public void Join(string topic)
    {
        var spin = new SpinWait();
        while (true)
        {
            var counter = _topics.GetOrAdd(topic, static _ => new TopicCounter());
            if (counter.TryIncrement())
            {
                Interlocked.Increment(ref _memberships);
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

        Interlocked.Decrement(ref _memberships);

        if (remaining == 0 && counter.TryRetire())
        {
            _topics.TryRemove(KeyValuePair.Create(topic, counter));
        }
    }

    /// <summary>Members of one topic on this node.</summary>
    public long Count(string topic) => _topics.TryGetValue(topic, out var counter) ? Math.Max(counter.Value, 0) : 0;

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

    /// <summary>A count that can be retired: -1 marks it dead so a racing join moves to a fresh counter.</summary>
    private sealed class TopicCounter
    {
        private const long Retired = -1;
        private long _value;

        public long Value => Volatile.Read(ref _value);

        public bool TryIncrement()
        {
            while (true)
            {
                var current = Volatile.Read(ref _value);
                if (current == Retired)
                {
                    return false;
                }

                if (Interlocked.CompareExchange(ref _value, current + 1, current) == current)
                {
                    return true;
                }
            }
        }

        public bool TryDecrement(out long remaining)
        {
            while (true)
            {
                var current = Volatile.Read(ref _value);
                if (current <= 0)
                {
                    remaining = current;
                    return false;
                }

                if (Interlocked.CompareExchange(ref _value, current - 1, current) == current)
                {
                    remaining = current - 1;
                    return true;
                }
            }
        }

        public bool TryRetire() => Interlocked.CompareExchange(ref _value, Retired, 0) == 0;
    }
}
