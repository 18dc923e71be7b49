using System.Text.Json.Serialization;

namespace ConnCount.Cluster.Contracts;

/// <summary>Source-generated JSON for every contract type, snake_case on the wire.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DictionaryKeyPolicy = JsonKnownNamingPolicy.Unspecified)]
[JsonSerializable(typeof(NodeStats))]
[JsonSerializable(typeof(NodeAnnouncement))]
[JsonSerializable(typeof(ClusterStats))]
[JsonSerializable(typeof(TopicStats))]
[JsonSerializable(typeof(TopicView))]
[JsonSerializable(typeof(NodeSummary))]
[JsonSerializable(typeof(UserSet))]
[JsonSerializable(typeof(NodeLimitCounts))]
[JsonSerializable(typeof(TopicMessage))]
[JsonSerializable(typeof(UsageReportRequest))]
[JsonSerializable(typeof(UsageReport))]
[JsonSerializable(typeof(UsageStats))]
[JsonSerializable(typeof(SpikeEvent))]
[JsonSerializable(typeof(ThresholdEvent))]
[JsonSerializable(typeof(DrainStatus))]
[JsonSerializable(typeof(DisconnectRequest))]
[JsonSerializable(typeof(DisconnectReply))]
[JsonSerializable(typeof(DisconnectResult))]
[JsonSerializable(typeof(UsageRecord))]
[JsonSerializable(typeof(UsagePeriodRecord))]
[JsonSerializable(typeof(PresenceChange))]
[JsonSerializable(typeof(PresenceSyncRequest))]
[JsonSerializable(typeof(PresenceSnapshot))]
public sealed partial class ClusterJsonContext : JsonSerializerContext;
