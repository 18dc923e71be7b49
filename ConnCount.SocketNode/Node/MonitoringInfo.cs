using System.Text.Json.Serialization;

namespace ConnCount.SocketNode.Node;

/// <summary>
/// The answer to <c>get_monitoring_info</c>: who this node is, its limits and its counts. <c>MessageTopics</c> is how
/// many topics' message subjects the node is subscribed to now (topics it holds members of, and those whose last
/// member left less than 2 s ago); null where protected topics are hidden from the asker.
/// </summary>
public sealed record MonitoringInfo(
    string Node,
    string Version,
    DateTimeOffset StartedAt,
    double UptimeSeconds,
    MonitoringLimits Limits,
    long Total,
    long Sockets,
    int Topics,
    bool Draining,
    int? MessageTopics = null);

/// <summary>The configured limits, as a client can read them.</summary>
public sealed record MonitoringLimits(
    double IdleTimeoutSeconds,
    int MaxFrameBytes,
    int MaxTopicLength,
    int MaxChannelsPerSocket,
    int MaxSocketsPerNode,
    int ConnectionsPerSecondPerIp,
    int ConnectionsPerSecondPerNode,
    int JoinsPerSecondPerSocket,
    IReadOnlyList<string> ProtectedTopics,
    IReadOnlyDictionary<string, long> TopicLimits,
    IReadOnlyDictionary<string, long> PlanLimits);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(MonitoringInfo))]
internal sealed partial class SocketNodeJsonContext : JsonSerializerContext;
