namespace ConnCount.Cluster.Contracts;

/// <summary>
/// What one node's sockets changed in a topic's presence, published on <see cref="TopicSubjects.PresenceFor"/> of the
/// topic to every node holding members of it.
/// </summary>
/// <remarks>
/// A node publishes one change per join and per leave, a drain or a stop included (each socket's membership ends on its
/// own): one entry, never a batch, so a change is as small as a presence.
/// </remarks>
/// <param name="Node">The node whose sockets these are.</param>
/// <param name="StartedAt">That node's epoch: with <paramref name="Node"/> it names the incarnation the presences belong to.</param>
/// <param name="Topic">The topic; checked against the subject's.</param>
/// <param name="Seq">This change's number, increasing within the incarnation.</param>
/// <param name="Prev">
/// The <paramref name="Seq"/> of the incarnation's previous change on this topic, or 0 when it held no presence of the
/// topic before this one. A reader that last applied another number missed a change and asks for a
/// <see cref="PresenceSnapshot"/> instead of guessing.
/// </param>
/// <param name="Joins">Presences tracked.</param>
/// <param name="Leaves">Presences untracked (their <see cref="PresenceEntry.Ref"/> is what counts).</param>
public sealed record PresenceChange(
    string Node,
    DateTimeOffset StartedAt,
    string Topic,
    long Seq,
    long Prev,
    IReadOnlyList<PresenceEntry> Joins,
    IReadOnlyList<PresenceEntry> Leaves);
