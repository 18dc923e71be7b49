namespace ConnCount.Cluster.Contracts;

/// <summary>
/// Asks for the presences of <paramref name="Topic"/> on <see cref="NatsSubjects.PresenceSync"/>: every node answers a
/// <see cref="PresenceSnapshot"/> (empty when it holds none), or, when <paramref name="Node"/> is set, only that
/// incarnation does.
/// </summary>
/// <param name="Parts">
/// The asker reads an answer in several parts. Nodes from before parts leave it out: they would read each part as a
/// whole snapshot, and drop the presences of the others, so a snapshot too big for one message is not sent to them
/// (during a rolling upgrade they miss that node's presences of the topic, as they did before).
/// </param>
public sealed record PresenceSyncRequest(string Topic, string? Node = null, DateTimeOffset? StartedAt = null, bool Parts = false);

/// <summary>
/// One node incarnation's presences of a topic, and the <see cref="PresenceChange.Seq"/> of its last change there; or
/// one part of them. A node whose presences of the topic do not fit one NATS message answers in several parts, all with
/// the same <paramref name="Seq"/> (one reading of its presences), numbered <paramref name="Part"/> of
/// <paramref name="Parts"/>: the snapshot is the entries of every part, and it stands only once each part arrived (a
/// part alone would drop the presences in the others). A message without the two fields is a whole snapshot.
/// </summary>
/// <param name="Part">This message's place among the answer's parts, from 0.</param>
/// <param name="Parts">How many messages the answer is; 1 for a snapshot in one message.</param>
public sealed record PresenceSnapshot(
    string Node,
    DateTimeOffset StartedAt,
    string Topic,
    long Seq,
    IReadOnlyList<PresenceEntry> Entries,
    int Part = 0,
    int Parts = 1);
