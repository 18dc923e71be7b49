using System.Globalization;
using System.Text;

namespace ConnCount.AppHost.Tests;

/// <summary>
/// The cluster's counts as <c>GET /api/stats</c> and <c>get_cluster_connection_stats</c> send them, read
/// on the test's side so the tests check the wire, not the services' own types.
/// </summary>
public sealed record ClusterStatsView(
    long TotalConnections,
    long TotalSockets,
    int ClusterSize,
    Dictionary<string, ClusterStatsView.Topic> Topics,
    Dictionary<string, ClusterStatsView.Node> Nodes,
    bool Partial,
    List<string> MissingNodes)
{
    public sealed record Topic(long Total, Dictionary<string, long> Nodes);

    /// <summary>One node's totals, and whether it is draining (left out of <see cref="Describe"/>).</summary>
    public sealed record Node(long Total, long Sockets, bool Draining = false);

    /// <summary>
    /// One line per fact, sorted, leaving out nodes and topics with nothing on them: two views with the
    /// same counts describe alike, and an assertion on descriptions shows exactly which count differs.
    /// </summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"cluster_size={ClusterSize} partial={Partial} missing=[{string.Join(',', MissingNodes.Order(StringComparer.Ordinal))}]");
        text.AppendLine(CultureInfo.InvariantCulture, $"total_connections={TotalConnections} total_sockets={TotalSockets}");
        foreach (var (name, topic) in Topics.Where(t => t.Value.Total > 0).OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var perNode = topic.Nodes.Where(n => n.Value > 0).OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => $"{n.Key}:{n.Value}");
            text.AppendLine(CultureInfo.InvariantCulture, $"topic {name} total={topic.Total} nodes={{{string.Join(',', perNode)}}}");
        }

        foreach (var (name, node) in Nodes.Where(n => n.Value.Total > 0 || n.Value.Sockets > 0).OrderBy(n => n.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"node {name} total={node.Total} sockets={node.Sockets}");
        }

        return text.ToString();
    }
}
