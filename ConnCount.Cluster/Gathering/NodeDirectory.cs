using ConnCount.Cluster.Aggregation;
using ConnCount.Cluster.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConnCount.Cluster.Gathering;

/// <summary>
/// The nodes a gather should expect, by incarnation (node id and <c>started_at</c>, its epoch): fed by heartbeats,
/// goodbyes and gather replies. A node heard within <see cref="ClusterOptions.NodeExpiry"/> is live and a gather
/// waits for it. A node silent longer than that lingers: a gather does not wait for it, but it is still known, so the
/// answer names it missing and is partial, until its sockets can no longer be open (the linger it announced, see
/// <see cref="NodeAnnouncement.LingerSeconds"/>), it says goodbye, or it is heard again.
/// </summary>
/// <remarks>
/// Silence while this process's own NATS connection is down is no evidence of anything: nothing expires while
/// disconnected (<see cref="Disconnected"/>), and on reconnect (<see cref="Reconnected"/>) every node known before
/// the outage is treated as heard at that instant, so a gather waits for it again for one expiry, then lets it linger.
/// Two live incarnations of one id are a duplicate identity: both stay known, a warning is logged, and the answer is
/// partial (<see cref="ClusterStats.DuplicateNodes"/>).
/// </remarks>
public sealed class NodeDirectory(IOptions<ClusterOptions> options, TimeProvider time, ILogger<NodeDirectory> logger)
{
    private static readonly TimeSpan DepartedMemory = TimeSpan.FromMinutes(5);

    private readonly Lock _gate = new();
    private readonly Dictionary<Incarnation, Heard> _nodes = [];

    // Goodbyes remembered for a while: a gather reply sent just before the goodbye must not bring that incarnation back.
    private readonly Dictionary<Incarnation, DateTimeOffset> _departed = [];

    // Duplicates already warned about, so a duplicate is logged once, not on every gather.
    private readonly HashSet<string> _warnedDuplicates = new(StringComparer.Ordinal);

    private bool _disconnected;
    private DateTimeOffset _heardFloor = DateTimeOffset.MinValue;

    /// <summary>Records a heartbeat.</summary>
    public void Observe(NodeAnnouncement announcement) =>
        Upsert(
            new Incarnation(announcement.Node, announcement.StartedAt),
            announcement.Total,
            announcement.Sockets,
            announcement.LingerSeconds is > 0 and var seconds ? TimeSpan.FromSeconds(seconds) : null);

    /// <summary>Records a gather reply.</summary>
    public void Observe(NodeStats stats) => Upsert(new Incarnation(stats.Node, stats.StartedAt), stats.Total, stats.Sockets, linger: null);

    /// <summary>Forgets the incarnation that said goodbye, and only that one: another process with the same id stays.</summary>
    public void Remove(NodeAnnouncement goodbye)
    {
        var key = new Incarnation(goodbye.Node, goodbye.StartedAt);
        lock (_gate)
        {
            _departed[key] = time.GetUtcNow();
            _nodes.Remove(key);
        }
    }

    /// <summary>This process's NATS connection is down: from now on, until <see cref="Reconnected"/>, no node expires.</summary>
    public void Disconnected()
    {
        lock (_gate)
        {
            _disconnected = true;
        }
    }

    /// <summary>
    /// This process's NATS connection is up again: every node known before counts as heard now, so gathers wait for
    /// it for one expiry (answering partial if it does not answer) and it lingers from here, not from before the outage.
    /// </summary>
    public void Reconnected()
    {
        lock (_gate)
        {
            _disconnected = false;
            _heardFloor = time.GetUtcNow();
        }
    }

    /// <summary>
    /// Every node known now, after dropping those whose linger has passed: live ones <see cref="KnownNode.Awaited"/>,
    /// lingering ones not. Sorted by id, then epoch.
    /// </summary>
    public IReadOnlyList<KnownNode> Snapshot()
    {
        var now = time.GetUtcNow();
        var expiry = options.Value.NodeExpiry;
        var known = new List<KnownNode>();
        List<string> duplicates;
        lock (_gate)
        {
            foreach (var (key, at) in _departed.Where(d => d.Value < now - DepartedMemory).ToList())
            {
                _departed.Remove(key);
            }

            foreach (var (key, heard) in _nodes.ToList())
            {
                var silentFor = now - Max(heard.Node.LastSeen, _heardFloor);
                if (_disconnected || silentFor <= expiry)
                {
                    known.Add(heard.Node);
                }
                else if (silentFor <= (heard.Linger ?? options.Value.DefaultLinger))
                {
                    known.Add(heard.Node with { Awaited = false });
                }
                else
                {
                    _nodes.Remove(key);
                }
            }

            var current = ClusterAggregator.DuplicateIds(known);
            _warnedDuplicates.IntersectWith(current);
            duplicates = current.Where(_warnedDuplicates.Add).ToList();
        }

        foreach (var node in duplicates)
        {
            logger.LogWarning(
                "Two live processes announce node id {Node} with different start times ({StartedAt}); answers are partial until one stops. Give every node its own id",
                node,
                string.Join(", ", known.Where(n => n.Node == node).Select(n => n.StartedAt.ToString("O"))));
        }

        known.Sort((a, b) => string.CompareOrdinal(a.Node, b.Node) is var c and not 0 ? c : a.StartedAt.CompareTo(b.StartedAt));
        return known;
    }

    private void Upsert(Incarnation key, long total, long sockets, TimeSpan? linger)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_departed.ContainsKey(key))
            {
                return;
            }

            _nodes[key] = _nodes.TryGetValue(key, out var existing)
                ? new Heard(existing.Node with { Total = total, Sockets = sockets, LastSeen = now }, linger ?? existing.Linger)
                : new Heard(new KnownNode(key.Node, key.StartedAt, total, sockets, now) { FirstSeen = now }, linger);
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private readonly record struct Incarnation(string Node, DateTimeOffset StartedAt);

    /// <param name="Linger">How long the node's sockets may outlive its silence, as it announced; null: the configured default.</param>
    private sealed record Heard(KnownNode Node, TimeSpan? Linger);
}
