using System.Text.Json.Serialization;
using ConnCount.Cluster.Contracts;
using ConnCount.StatsApi.Scaling;

namespace ConnCount.StatsApi.Stats;

/// <summary>Every node the cluster knows of: <c>GET /api/stats/nodes</c>.</summary>
public sealed record NodesView(int ClusterSize, bool Partial, IReadOnlyList<NodeView> Nodes);

/// <summary>
/// One node: <c>status</c> is <c>ok</c> when it answered the gather, <c>missing</c> (with last-known, stale counts) when not;
/// <c>draining</c> while it refuses new sockets (always false for a missing node: heartbeats do not carry it).
/// </summary>
/// <param name="Users">Distinct users on the node; absent for a missing node (heartbeats carry no users).</param>
/// <param name="UsersEstimated">True when <paramref name="Users"/> is a HyperLogLog estimate; absent when exact.</param>
/// <param name="UsersError">The estimate's relative standard error; absent when exact.</param>
public sealed record NodeView(
    string Node,
    string Status,
    long Total,
    long Sockets,
    DateTimeOffset StartedAt,
    DateTimeOffset LastSeen,
    bool Draining,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Users = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool UsersEstimated = false,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? UsersError = null);

/// <summary>A page of topics: <c>GET /api/stats/topics</c>.</summary>
/// <param name="TotalTopics">Topics that match the prefix, before <c>top</c> and paging.</param>
/// <param name="TotalConnections">Connections over every topic that matches the prefix.</param>
/// <param name="NextOffset">The <c>offset</c> of the next page; null on the last one.</param>
public sealed record TopicListView(
    int TotalTopics,
    long TotalConnections,
    int Offset,
    int Limit,
    int? NextOffset,
    IReadOnlyList<TopicListItem> Topics,
    bool Partial,
    IReadOnlyList<string> MissingNodes,
    DateTimeOffset GatheredAt);

/// <summary>One topic of a listing, with its cluster total.</summary>
public sealed record TopicListItem(string Topic, long Total);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TopicView))]
[JsonSerializable(typeof(NodesView))]
[JsonSerializable(typeof(TopicListView))]
[JsonSerializable(typeof(ScaleView))]
internal sealed partial class StatsApiJsonContext : JsonSerializerContext;
