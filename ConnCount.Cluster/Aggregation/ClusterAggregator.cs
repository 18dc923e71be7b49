using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using ConnCount.Cluster.Contracts;

namespace ConnCount.Cluster.Aggregation;

/// <summary>
/// Folds the nodes' replies to one scatter-gather into the cluster's view. A pure function: no I/O,
/// no clock, so every rule about totals, missing nodes and partial results is testable on its own.
/// </summary>
public static class ClusterAggregator
{
    /// <summary>Aggregates the replies of one gather.</summary>
    /// <param name="replies">Every reply received; a node that answered twice counts once (its last reply).</param>
    /// <param name="expected">The nodes the directory knew of when the gather started, live and lingering.</param>
    /// <param name="gatheredAt">When the gather completed; the answering nodes were last seen then.</param>
    public static ClusterStats Aggregate(
        IEnumerable<NodeStats> replies,
        IEnumerable<KnownNode> expected,
        DateTimeOffset gatheredAt)
    {
        // The last reply of each node, in the order the nodes first answered: that order is the order of
        // the nodes within each topic.
        var nodeIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var answered = new List<NodeStats>();
        // A known incarnation answered only if a reply came from it, not from another process with its id.
        var answeredIncarnations = new HashSet<(string, DateTimeOffset)>();
        var duplicates = new SortedSet<string>(DuplicateIds(expected), StringComparer.Ordinal);
        foreach (var reply in replies)
        {
            answeredIncarnations.Add((reply.Node, reply.StartedAt));
            ref var index = ref CollectionsMarshal.GetValueRefOrAddDefault(nodeIndex, reply.Node, out var seen);
            if (seen)
            {
                if (answered[index].StartedAt != reply.StartedAt)
                {
                    duplicates.Add(reply.Node);
                }

                answered[index] = reply;
            }
            else
            {
                index = answered.Count;
                answered.Add(reply);
            }
        }

        var nodeCount = answered.Count;
        var nodeNames = new string[nodeCount];
        var capacity = 0;
        for (var n = 0; n < nodeCount; n++)
        {
            nodeNames[n] = answered[n].Node;
            capacity = Math.Max(capacity, answered[n].Connections.Count);
        }

        // One pass over every (node, topic): a topic gets a slot on first sight, its counts sit in one row of
        // a flat table (a column per node), so a topic costs no dictionary of its own.
        var slotOf = new Dictionary<string, int>(capacity, StringComparer.Ordinal);
        var names = new string[capacity];
        var totals = new long[capacity];
        var counts = new long[capacity * nodeCount];
        var topicCount = 0;
        var nodes = new SortedDictionary<string, NodeSummary>(StringComparer.Ordinal);
        long totalConnections = 0, totalSockets = 0, totalWatchers = 0;
        for (var n = 0; n < nodeCount; n++)
        {
            var stats = answered[n];
            long nodeTotal = 0;
            foreach (var (topic, count) in stats.Connections)
            {
                if (count <= 0)
                {
                    continue;
                }

                ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(slotOf, topic, out var known);
                if (!known)
                {
                    slot = topicCount;
                    if (topicCount == names.Length)
                    {
                        Grow(ref names, ref totals, ref counts, nodeCount);
                    }

                    names[topicCount++] = topic;
                }

                counts[(slot * nodeCount) + n] = count;
                totals[slot] += count;
                nodeTotal += count;
            }

            // The topic map is the source of truth: a node's total is the sum of what it reports per topic.
            totalConnections += nodeTotal;
            totalSockets += stats.Sockets;
            totalWatchers += stats.Watchers;
            nodes[stats.Node] = new NodeSummary(nodeTotal, stats.Sockets, stats.StartedAt, gatheredAt, stats.Draining, stats.Watchers);
        }

        // Users are unions over the nodes, never sums: a user on two nodes counts once. Only nodes that reported users
        // cost anything here.
        var users = answered.Exists(a => a.UserSets is { Count: > 0 })
            ? new ClusterUsers(answered.Where(a => a.UserSets is { Count: > 0 }).Select(a => (a.Node, a.UserSets!)).ToList())
            : ClusterUsers.None;
        var topicUsers = users.IsEmpty ? null : users.PerTopic();
        var topics = new TopicStats[topicCount];
        for (var slot = 0; slot < topicCount; slot++)
        {
            topics[slot] = new TopicStats(totals[slot], new NodeCounts(nodeNames, counts, slot * nodeCount));
            if (topicUsers is not null && topicUsers.TryGetValue(names[slot], out var topicCountOfUsers))
            {
                topics[slot] = topics[slot].WithUsers(topicCountOfUsers);
            }
        }

        var clusterUsers = default(UserCount);
        if (!users.IsEmpty)
        {
            (var perNode, clusterUsers) = users.PerNodeAndCluster();
            foreach (var (node, count) in perNode)
            {
                nodes[node] = nodes[node].WithUsers(count);
            }
        }

        var stale = new SortedDictionary<string, NodeSummary>(StringComparer.Ordinal);
        foreach (var known in expected)
        {
            if (!answeredIncarnations.Contains((known.Node, known.StartedAt))
                && (!stale.TryGetValue(known.Node, out var other) || other.StartedAt < known.StartedAt))
            {
                stale[known.Node] = new NodeSummary(known.Total, known.Sockets, known.StartedAt, known.LastSeen);
            }
        }

        var missing = stale.Keys.ToList();

        return new ClusterStats(
            totalConnections,
            totalSockets,
            nodeCount,
            SortedTopics.Create(names, topicCount, topics, slotOf),
            nodes,
            Partial: missing.Count > 0 || duplicates.Count > 0,
            missing,
            stale,
            gatheredAt,
            totalWatchers)
        {
            DuplicateNodes = [.. duplicates],
            Users = clusterUsers.Users,
            UsersEstimated = clusterUsers.Estimated,
            UsersError = clusterUsers.Error,
            UserSets = users,
        };
    }

    /// <summary>
    /// The ids that two live processes announce at once. Two awaited incarnations of one id are a duplicate when an
    /// older one was heard after the newest appeared: a node restarted after a crash leaves an older incarnation that
    /// is merely not expired yet, and silent since.
    /// </summary>
    public static IReadOnlyList<string> DuplicateIds(IEnumerable<KnownNode> known) =>
        known.Where(n => n.Awaited)
            .GroupBy(n => n.Node, StringComparer.Ordinal)
            .Where(g => g.MaxBy(n => n.StartedAt) is { } newest && g.Any(n => n.StartedAt < newest.StartedAt && n.LastSeen > newest.FirstSeen))
            .Select(g => g.Key)
            .Order(StringComparer.Ordinal)
            .ToList();

    private static void Grow(ref string[] names, ref long[] totals, ref long[] counts, int nodeCount)
    {
        var size = Math.Max(16, names.Length * 2);
        Array.Resize(ref names, size);
        Array.Resize(ref totals, size);
        Array.Resize(ref counts, size * nodeCount);
    }

    /// <summary>
    /// The topics in ordinal order of their names, sorted once when built; a lookup goes through the slots
    /// the aggregation assigned. Read-only: a gather's result is shared by every caller of that gather.
    /// </summary>
    private sealed class SortedTopics : IReadOnlyDictionary<string, TopicStats>
    {
        private readonly string[] _sortedNames;
        private readonly int[] _slots;
        private readonly TopicStats[] _bySlot;
        private readonly Dictionary<string, int> _slotOf;

        private SortedTopics(string[] sortedNames, int[] slots, TopicStats[] bySlot, Dictionary<string, int> slotOf)
        {
            _sortedNames = sortedNames;
            _slots = slots;
            _bySlot = bySlot;
            _slotOf = slotOf;
        }

        /// <param name="names">Topic names by slot; the first <paramref name="count"/> are used.</param>
        public static SortedTopics Create(string[] names, int count, TopicStats[] bySlot, Dictionary<string, int> slotOf)
        {
            var sortedNames = names.AsSpan(0, count).ToArray();
            var slots = new int[count];
            for (var i = 0; i < count; i++)
            {
                slots[i] = i;
            }

            if (!IsSorted(sortedNames))
            {
                Array.Sort(sortedNames, slots, StringComparer.Ordinal);
            }

            return new SortedTopics(sortedNames, slots, bySlot, slotOf);
        }

        private static bool IsSorted(string[] names)
        {
            for (var i = 1; i < names.Length; i++)
            {
                if (string.CompareOrdinal(names[i - 1], names[i]) > 0)
                {
                    return false;
                }
            }

            return true;
        }

        public int Count => _sortedNames.Length;

        public TopicStats this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"No topic '{key}'.");

        public IEnumerable<string> Keys => Array.AsReadOnly(_sortedNames);

        public IEnumerable<TopicStats> Values => _slots.Select(slot => _bySlot[slot]);

        public bool ContainsKey(string key) => _slotOf.ContainsKey(key);

        public bool TryGetValue(string key, [MaybeNullWhen(false)] out TopicStats value)
        {
            if (_slotOf.TryGetValue(key, out var slot))
            {
                value = _bySlot[slot];
                return true;
            }

            value = null;
            return false;
        }

        public IEnumerator<KeyValuePair<string, TopicStats>> GetEnumerator()
        {
            for (var i = 0; i < _sortedNames.Length; i++)
            {
                yield return new KeyValuePair<string, TopicStats>(_sortedNames[i], _bySlot[_slots[i]]);
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>
    /// One topic's count per answering node: a row of the aggregation's table, in the order the nodes first
    /// answered. A node without members on the topic (a zero in the row) is absent, as nodes report it.
    /// </summary>
    private sealed class NodeCounts : IReadOnlyDictionary<string, long>
    {
        private readonly string[] _nodes;
        private readonly long[] _counts;
        private readonly int _offset;

        public NodeCounts(string[] nodes, long[] counts, int offset)
        {
            _nodes = nodes;
            _counts = counts;
            _offset = offset;
            for (var n = 0; n < nodes.Length; n++)
            {
                if (counts[offset + n] > 0)
                {
                    Count++;
                }
            }
        }

        public int Count { get; }

        public long this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"No node '{key}'.");

        public IEnumerable<string> Keys => this.Select(entry => entry.Key);

        public IEnumerable<long> Values => this.Select(entry => entry.Value);

        public bool ContainsKey(string key) => TryGetValue(key, out _);

        public bool TryGetValue(string key, out long value)
        {
            for (var n = 0; n < _nodes.Length; n++)
            {
                if (string.Equals(_nodes[n], key, StringComparison.Ordinal) && _counts[_offset + n] > 0)
                {
                    value = _counts[_offset + n];
                    return true;
                }
            }

            value = 0;
            return false;
        }

        public IEnumerator<KeyValuePair<string, long>> GetEnumerator()
        {
            for (var n = 0; n < _nodes.Length; n++)
            {
                var count = _counts[_offset + n];
                if (count > 0)
                {
                    yield return new KeyValuePair<string, long>(_nodes[n], count);
                }
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
