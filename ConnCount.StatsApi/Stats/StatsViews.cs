using System.Text.Json.Serialization;
using ConnCount.StatsApi.Scaling;

namespace ConnCount.StatsApi.Stats;

/// <summary>One topic across the cluster: <c>GET /api/stats/topics/{topic}</c> or <c>GET /api/stats/topic?name=</c>.</summary>
public sealed record TopicView(string Topic, long Total, IReadOnlyDictionary<string, long> Nodes, bool Partial, IReadOnlyList<string> MissingNodes);

/// <summary>Every node the cluster knows of: <c>GET /api/stats/nodes</c>.</summary>
public sealed record NodesView(int ClusterSize, bool Partial, IReadOnlyList<NodeView> Nodes);

/// <summary>
/// One node: <c>status</c> is <c>ok</c> when it answered the gather, <c>missing</c> (with last-known, stale counts) when not;
/// <c>draining</c> while it refuses new sockets (always false for a missing node: heartbeats do not carry it).
/// </summary>
public sealed record NodeView(string Node, string Status, long Total, long Sockets, DateTimeOffset StartedAt, DateTimeOffset LastSeen, bool Draining);

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
