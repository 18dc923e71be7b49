using ConnCount.Cluster.Contracts;

namespace ConnCount.SocketNode.Presence;

/// <summary>
/// The parts of presence snapshots a reader received (<see cref="PresenceSnapshotParts"/>), put back together. A
/// snapshot is complete once every part of it arrived: same origin, same <see cref="PresenceSnapshot.Seq"/> and
/// <see cref="PresenceSnapshot.Parts"/>, each <see cref="PresenceSnapshot.Part"/> once. An incomplete one is never
/// handed out: a snapshot replaces all that is known of its origin, so one without a part would drop the presences in
/// it. Pure; not thread-safe (one reader fills it).
/// </summary>
internal sealed class PresenceSnapshotAssembly
{
    private readonly Dictionary<Answer, SortedDictionary<int, PresenceSnapshot>> _answers = [];
    private readonly HashSet<PresenceOrigin> _broken = [];

    /// <summary>
    /// Adds a received part; true when it completes its snapshot. A part numbered outside its answer, or a second
    /// copy of a part, adds nothing; the former leaves its origin incomplete.
    /// </summary>
    public bool Add(PresenceSnapshot part)
    {
        var origin = new PresenceOrigin(part.Node, part.StartedAt);
        if (part.Parts < 1 || part.Part < 0 || part.Part >= part.Parts)
        {
            _broken.Add(origin);
            return false;
        }

        var answer = new Answer(origin, part.Seq, part.Parts);
        if (!_answers.TryGetValue(answer, out var parts))
        {
            _answers[answer] = parts = [];
        }

        return parts.TryAdd(part.Part, part) && parts.Count == part.Parts;
    }

    /// <summary>
    /// The complete snapshots, one per origin (its newest when it answered more than once), each as one message: the
    /// entries of its parts in their order, <see cref="PresenceSnapshot.Part"/> 0 of 1.
    /// </summary>
    public List<PresenceSnapshot> Complete() =>
    [
        .. _answers
            .Where(a => a.Value.Count == a.Key.Parts)
            .GroupBy(a => a.Key.Origin)
            .Select(g => g.MaxBy(a => a.Key.Seq).Value)
            .Select(Whole),
    ];

    /// <summary>The origins some part of whose answer arrived, but no complete snapshot: ask them again.</summary>
    public List<PresenceOrigin> Incomplete()
    {
        var complete = _answers.Where(a => a.Value.Count == a.Key.Parts).Select(a => a.Key.Origin).ToHashSet();
        return [.. _answers.Keys.Select(a => a.Origin).Concat(_broken).Distinct().Where(o => !complete.Contains(o))];
    }

    private static PresenceSnapshot Whole(SortedDictionary<int, PresenceSnapshot> parts)
    {
        var first = parts.Values.First();
        return parts.Count == 1
            ? first with { Part = 0, Parts = 1 }
            : first with { Entries = [.. parts.Values.SelectMany(p => p.Entries)], Part = 0, Parts = 1 };
    }

    /// <summary>One answer of one origin: its parts share the number and the count.</summary>
    private readonly record struct Answer(PresenceOrigin Origin, long Seq, int Parts);
}
