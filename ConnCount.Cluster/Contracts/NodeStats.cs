using System.Text.Json.Serialization;

namespace ConnCount.Cluster.Contracts;

/// <summary>One socket node's exact counts, as it answers <see cref="NatsSubjects.Stats"/> and <c>get_connection_stats</c>.</summary>
/// <param name="Node">The node's identity, stable for the life of its process and unique per replica.</param>
/// <param name="StartedAt">When the node's process started; tells a restarted node apart from its predecessor.</param>
/// <param name="Total">Sum of topic memberships on this node.</param>
/// <param name="Sockets">Open WebSocket connections on this node.</param>
/// <param name="Connections">Memberships per topic; topics with no member are absent.</param>
/// <param name="Draining">The node refuses new sockets and is closing its sockets so clients move elsewhere.</param>
/// <param name="Watchers">Memberships of <c>stats:*</c> stats topics: counted apart, in no topic and no total.</param>
public sealed record NodeStats(
    string Node,
    DateTimeOffset StartedAt,
    long Total,
    long Sockets,
    IReadOnlyDictionary<string, long> Connections,
    bool Draining = false,
    long Watchers = 0)
{
    /// <summary>
    /// Per topic with users, this node's users of it (ids, or a sketch over the threshold): what a gather merges into
    /// exact cross-node counts. Sent to the gatherers on NATS only; never in an answer to a reader (ids are not shown).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, UserSet>? UserSets { get; init; }

    /// <summary>
    /// Distinct users (join-token subjects) over the topics in <see cref="Connections"/>, exact: a user on several
    /// topics counts once. Memberships without a user count in no user figure. In <c>get_connection_stats</c>; a
    /// gather reply carries <see cref="UserSets"/> instead.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Users { get; init; }

    /// <summary>Distinct users per topic of <see cref="Connections"/> that has any; in <c>get_connection_stats</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, long>? TopicUsers { get; init; }
}
