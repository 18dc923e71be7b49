using System.Text.Json.Serialization;

namespace ConnCount.StatsApi.Stats;

/// <summary>One topic across the cluster: <c>GET /api/stats/topics/{topic}</c>.</summary>
public sealed record TopicView(string Topic, long Total, IReadOnlyDictionary<string, long> Nodes, bool Partial, IReadOnlyList<string> MissingNodes);

/// <summary>Every node the cluster knows of: <c>GET /api/stats/nodes</c>.</summary>
public sealed record NodesView(int ClusterSize, bool Partial, IReadOnlyList<NodeView> Nodes);

/// <summary>One node: <c>status</c> is <c>ok</c> when it answered the gather, <c>missing</c> (with last-known, stale counts) when not.</summary>
public sealed record NodeView(string Node, string Status, long Total, long Sockets, DateTimeOffset StartedAt, DateTimeOffset LastSeen);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TopicView))]
[JsonSerializable(typeof(NodesView))]
internal sealed partial class StatsApiJsonContext : JsonSerializerContext;
