using ConnCount.Cluster.Contracts;

namespace ConnCount.Cluster.Aggregation;

/// <summary>
/// The users every answering node reported, per topic, kept with a gather's <see cref="ClusterStats"/> so that a view
/// which hides topics (a socket's, see the node's <c>StatsVisibility</c>) counts the cluster's and each node's users
/// over the topics it shows. Pure: no I/O. Holds user ids, so it is never serialized to a reader.
/// </summary>
/// <remarks>A user is counted once however many nodes and topics it is on: counts are unions, never sums.</remarks>
public sealed class ClusterUsers
{
    private readonly IReadOnlyList<(string Node, IReadOnlyDictionary<string, UserSet> Topics)> _nodes;

    /// <param name="nodes">Each answering node's users per topic, a node at most once.</param>
    public ClusterUsers(IReadOnlyList<(string Node, IReadOnlyDictionary<string, UserSet> Topics)> nodes) => _nodes = nodes;

    /// <summary>No node reported a user.</summary>
    public static ClusterUsers None { get; } = new([]);

    /// <summary>Whether no node reported a user on any topic.</summary>
    public bool IsEmpty => _nodes.All(n => n.Topics.Count == 0);

    /// <summary>Distinct users of each topic that has any, over every node.</summary>
    public Dictionary<string, UserCount> PerTopic()
    {
        var unions = new Dictionary<string, UserUnion>(StringComparer.Ordinal);
        foreach (var (_, topics) in _nodes)
        {
            foreach (var (topic, set) in topics)
            {
                if (!unions.TryGetValue(topic, out var union))
                {
                    unions[topic] = union = new UserUnion();
                }

                union.Add(set);
            }
        }

        return unions.ToDictionary(u => u.Key, u => u.Value.Count(), StringComparer.Ordinal);
    }

    /// <summary>Distinct users of each node over the topics <paramref name="shown"/> (every topic when null), and of the cluster.</summary>
    public (Dictionary<string, UserCount> PerNode, UserCount Cluster) PerNodeAndCluster(Func<string, bool>? shown = null)
    {
        var perNode = new Dictionary<string, UserCount>(StringComparer.Ordinal);
        var cluster = new UserUnion();
        foreach (var (node, topics) in _nodes)
        {
            var union = new UserUnion();
            foreach (var (topic, set) in topics)
            {
                if (shown is null || shown(topic))
                {
                    union.Add(set);
                }
            }

            perNode[node] = union.Count();
            cluster.Add(union);
        }

        return (perNode, cluster.Count());
    }
}
