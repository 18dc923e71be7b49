namespace ConnCount.Cluster.Contracts;

/// <summary>
/// Asks for the presences of <paramref name="Topic"/> on <see cref="NatsSubjects.PresenceSync"/>: every node answers a
/// <see cref="PresenceSnapshot"/> (empty when it holds none), or, when <paramref name="Node"/> is set, only that
/// incarnation does.
/// </summary>
public sealed record PresenceSyncRequest(string Topic, string? Node = null, DateTimeOffset? StartedAt = null);

/// <summary>One node incarnation's presences of a topic, and the <see cref="PresenceChange.Seq"/> of its last change there.</summary>
public sealed record PresenceSnapshot(string Node, DateTimeOffset StartedAt, string Topic, long Seq, IReadOnlyList<PresenceEntry> Entries);
