using System.Collections.Concurrent;
using ConnCount.Cluster.Aggregation;
using ConnCount.Cluster.Contracts;
using Microsoft.Extensions.Options;

namespace ConnCount.Cluster.Gathering;

/// <summary>
/// The nodes a gather should expect: fed by heartbeats, goodbyes and gather replies, pruned when a
/// node has been silent longer than <see cref="ClusterOptions.NodeExpiry"/>.
/// </summary>
public sealed class NodeDirectory(IOptions<ClusterOptions> options, TimeProvider time)
{
    private static readonly TimeSpan DepartedMemory = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, KnownNode> _nodes = new(StringComparer.Ordinal);

    // Goodbyes remembered for a while: a gather reply sent just before the goodbye must not bring the node back.
    private readonly ConcurrentDictionary<string, (DateTimeOffset StartedAt, DateTimeOffset At)> _departed = new(StringComparer.Ordinal);

    /// <summary>Records a heartbeat.</summary>
    public void Observe(NodeAnnouncement announcement) =>
        Upsert(new KnownNode(announcement.Node, announcement.StartedAt, announcement.Total, announcement.Sockets, time.GetUtcNow()));

    /// <summary>Records a gather reply.</summary>
    public void Observe(NodeStats stats) =>
        Upsert(new KnownNode(stats.Node, stats.StartedAt, stats.Total, stats.Sockets, time.GetUtcNow()));

    /// <summary>Forgets a node that said goodbye, unless a newer incarnation with the same name has announced itself since.</summary>
    public void Remove(NodeAnnouncement goodbye)
    {
        _departed[goodbye.Node] = (goodbye.StartedAt, time.GetUtcNow());
        if (_nodes.TryGetValue(goodbye.Node, out var known) && known.StartedAt <= goodbye.StartedAt)
        {
            _nodes.TryRemove(KeyValuePair.Create(goodbye.Node, known));
        }
    }

    /// <summary>The live nodes, after dropping those silent past the expiry.</summary>
    public IReadOnlyList<KnownNode> Snapshot()
    {
        var now = time.GetUtcNow();
        var cutoff = now - options.Value.NodeExpiry;
        foreach (var (name, departed) in _departed)
        {
            if (departed.At < now - DepartedMemory)
            {
                _departed.TryRemove(KeyValuePair.Create(name, departed));
            }
        }

        var live = new List<KnownNode>(_nodes.Count);
        foreach (var (name, node) in _nodes)
        {
            if (node.LastSeen < cutoff)
            {
                _nodes.TryRemove(KeyValuePair.Create(name, node));
            }
            else
            {
                live.Add(node);
            }
        }

        live.Sort((a, b) => string.CompareOrdinal(a.Node, b.Node));
        return live;
    }

    private void Upsert(KnownNode node)
    {
        if (_departed.TryGetValue(node.Node, out var departed) && node.StartedAt <= departed.StartedAt)
        {
            return;
        }

        _nodes.AddOrUpdate(
            node.Node,
            node,
            // A late message from an older incarnation must not overwrite the restarted node.
            (_, existing) => existing.StartedAt > node.StartedAt ? existing : node);
    }
}
