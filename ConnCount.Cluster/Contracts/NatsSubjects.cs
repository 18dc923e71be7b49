namespace ConnCount.Cluster.Contracts;

/// <summary>
/// Every NATS subject ConnCount uses, in one place. Lower-case, dot-separated, prefixed and versioned
/// so a future wire change can live beside this one.
/// </summary>
public static class NatsSubjects
{
    /// <summary>Scatter-gather request: every socket node answers with its own <see cref="NodeStats"/>. No queue group.</summary>
    public const string Stats = "conncount.v1.stats";

    /// <summary>Periodic <see cref="NodeAnnouncement"/> from every live node.</summary>
    public const string Heartbeat = "conncount.v1.nodes.heartbeat";

    /// <summary>A <see cref="NodeAnnouncement"/> published once when a node stops gracefully.</summary>
    public const string Goodbye = "conncount.v1.nodes.goodbye";

    /// <summary>
    /// Each node's <see cref="NodeLimitCounts"/> of limited topics and tenants, for cluster-wide admission. (Limit counts,
    /// not connection time; the subject keeps its first name so nodes of different versions still share their counts.)
    /// </summary>
    public const string LimitCounts = "conncount.v1.usage";

    /// <summary>A join-rate spike on a node or topic (<see cref="SpikeEvent"/>).</summary>
    public const string SpikeEvents = "conncount.v1.events.spike";

    /// <summary>A configured threshold crossed, up or down (<see cref="ThresholdEvent"/>).</summary>
    public const string ThresholdEvents = "conncount.v1.events.threshold";

    /// <summary>Scatter-gather request (<see cref="UsageReportRequest"/>): every node answers with its <see cref="UsageReport"/>. No queue group.</summary>
    public const string UsageReport = "conncount.v1.usage.report";

    /// <summary>Every node's durable <see cref="UsageRecord"/>s, one subject per node: the subjects of the <see cref="UsageStorage.RecordsStream"/> stream.</summary>
    public const string AllUsageRecords = "conncount.v1.usage.records.>";

    /// <summary>The subject a node publishes its durable <see cref="UsageRecord"/>s on (<c>conncount.v1.usage.records.&lt;node&gt;</c>).</summary>
    /// <exception cref="ArgumentException"><paramref name="nodeId"/> is not a <see cref="NodeIds.IsSubjectToken">subject token</see>.</exception>
    public static string UsageRecords(string nodeId) =>
        NodeIds.IsSubjectToken(nodeId)
            ? $"conncount.v1.usage.records.{nodeId}"
            : throw new ArgumentException($"'{nodeId}' cannot be one token of a NATS subject.", nameof(nodeId));

    /// <summary>
    /// Request (<see cref="PresenceSyncRequest"/>) for a topic's presences: every node, or the one incarnation named, answers
    /// its <see cref="PresenceSnapshot"/>, in as many parts as its size needs (each within half of <c>max_payload</c>). No queue group. The changes themselves travel on <see cref="TopicSubjects.PresenceFor"/>.
    /// </summary>
    public const string PresenceSync = "conncount.v1.presence.sync";

    /// <summary>
    /// Scatter-gather request (<see cref="DisconnectRequest"/> with one selector): every node closes its sockets of that
    /// user or topic and answers a <see cref="DisconnectReply"/>, 0 when it has none. No queue group.
    /// </summary>
    public const string Disconnect = "conncount.v1.admin.disconnect";

    /// <summary>Asks every node to announce itself at once (sent by a directory when it starts).</summary>
    public const string Discover = "conncount.v1.nodes.discover";

    /// <summary>The prefix of the subjects one node answers; the node's id is the next token.</summary>
    public const string NodePrefix = "conncount.v1.nodes.";

    /// <summary>
    /// Request to one node (<c>conncount.v1.nodes.&lt;node&gt;.admin.drain</c>): stop accepting sockets and close the
    /// open ones; the node answers a <see cref="DrainStatus"/>. Only that node subscribes.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="nodeId"/> is not a <see cref="NodeIds.IsSubjectToken">subject token</see>.</exception>
    public static string NodeDrain(string nodeId) => NodeAdmin(nodeId, "drain");

    /// <summary>Request to one node (<c>conncount.v1.nodes.&lt;node&gt;.admin.resume</c>): accept sockets again; answers a <see cref="DrainStatus"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="nodeId"/> is not a <see cref="NodeIds.IsSubjectToken">subject token</see>.</exception>
    public static string NodeResume(string nodeId) => NodeAdmin(nodeId, "resume");

    /// <summary>
    /// Request to one node (<c>conncount.v1.nodes.&lt;node&gt;.admin.disconnect</c>): close its sockets (all of them for a
    /// <see cref="DisconnectRequest"/> without a selector) and answer a <see cref="DisconnectReply"/>. Only that node subscribes.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="nodeId"/> is not a <see cref="NodeIds.IsSubjectToken">subject token</see>.</exception>
    public static string NodeDisconnect(string nodeId) => NodeAdmin(nodeId, "disconnect");

    /// <summary>
    /// Request to whichever processes run as one node id (<c>conncount.v1.nodes.&lt;node&gt;.identity</c>): each answers
    /// its <see cref="NodeAnnouncement"/>. A node asks it of its own id before it announces itself, to refuse a duplicate. No queue group.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="nodeId"/> is not a <see cref="NodeIds.IsSubjectToken">subject token</see>.</exception>
    public static string NodeIdentity(string nodeId) => NodeSubject(nodeId, "identity");

    private static string NodeAdmin(string nodeId, string action) => NodeSubject(nodeId, $"admin.{action}");

    private static string NodeSubject(string nodeId, string suffix) =>
        NodeIds.IsSubjectToken(nodeId)
            ? $"{NodePrefix}{nodeId}.{suffix}"
            : throw new ArgumentException($"'{nodeId}' cannot be one token of a NATS subject.", nameof(nodeId));
}
