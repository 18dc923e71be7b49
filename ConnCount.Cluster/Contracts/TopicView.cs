using System.Text.Json.Serialization;

namespace ConnCount.Cluster.Contracts;

/// <summary>
/// One topic across the cluster, as readers get it: <c>GET /api/stats/topics/{topic}</c> (and <c>/topic?name=</c>)
/// answers it, and the <c>connection_stats</c> push on <c>stats:&lt;topic&gt;</c> carries it.
/// </summary>
/// <param name="Users">Distinct users (join-token subjects) of the topic over the answering nodes.</param>
/// <param name="UsersEstimated">True when <paramref name="Users"/> is a HyperLogLog estimate; absent when exact.</param>
/// <param name="UsersError">The estimate's relative standard error; absent when exact.</param>
public sealed record TopicView(
    string Topic,
    long Total,
    IReadOnlyDictionary<string, long> Nodes,
    bool Partial,
    IReadOnlyList<string> MissingNodes,
    long Users = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool UsersEstimated = false,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? UsersError = null)
{
    /// <summary>The view of <paramref name="topic"/> in <paramref name="stats"/>: zeros when no answering node holds it.</summary>
    public static TopicView Of(string topic, ClusterStats stats)
    {
        var counts = stats.Topics.GetValueOrDefault(topic) ?? new TopicStats(0, new Dictionary<string, long>());
        return new TopicView(topic, counts.Total, counts.Nodes, stats.Partial, stats.MissingNodes, counts.Users, counts.UsersEstimated, counts.UsersError);
    }
}
