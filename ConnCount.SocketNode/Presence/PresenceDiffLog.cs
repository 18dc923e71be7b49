using ConnCount.Cluster.Contracts;

namespace ConnCount.SocketNode.Presence;

/// <summary>
/// The presence changes of one topic since its members last received a diff, in order, so that many changes go out
/// as one <c>presence_diff</c> per member instead of one each. Positions are absolute: a member whose
/// <c>presence_state</c> was written at position P receives only what came after P (<see cref="NetFrom"/>). Pure;
/// its topic's lock guards it.
/// </summary>
/// <remarks>
/// The net diff of a run of changes: a presence the member had and no longer has is a leave, one it did not have and
/// now has is a join, one that left and came back (a dropped origin's snapshot) is a join (the client replaces the meta
/// of the same <c>phx_ref</c>), and one that came and went in between is nothing. The official client applies a
/// diff's joins before its leaves, so sending both of one presence would be wrong; the net diff never does.
/// </remarks>
internal sealed class PresenceDiffLog
{
    private readonly List<(PresenceEntry Entry, bool Present)> _changes = [];
    private long _start;

    /// <summary>The position of the first change kept: a state written before it is owed every change kept.</summary>
    public long Start => _start;

    /// <summary>The position after the last change: a state written now covers everything before it.</summary>
    public long End => _start + _changes.Count;

    public bool IsEmpty => _changes.Count == 0;

    /// <summary>Appends a delta: its joins, then its leaves (the order the client applies them in).</summary>
    public void Add(PresenceDelta delta)
    {
        foreach (var join in delta.Joins)
        {
            _changes.Add((join, true));
        }

        foreach (var leave in delta.Leaves)
        {
            _changes.Add((leave, false));
        }
    }

    /// <summary>The net diff of the changes from position <paramref name="since"/> on; empty when they cancel out.</summary>
    public PresenceDelta NetFrom(long since)
    {
        var net = new Dictionary<(string Key, string Ref), (bool HadIt, bool HasIt, PresenceEntry Entry)>();
        for (var i = (int)Math.Clamp(since - _start, 0, _changes.Count); i < _changes.Count; i++)
        {
            var (entry, present) = _changes[i];
            var id = (entry.Key, entry.Ref);
            net[id] = net.TryGetValue(id, out var seen) ? (seen.HadIt, present, entry) : (!present, present, entry);
        }

        var delta = new PresenceDelta();
        foreach (var (hadIt, hasIt, entry) in net.Values)
        {
            if (hasIt)
            {
                delta.Joins.Add(entry);
            }
            else if (hadIt)
            {
                delta.Leaves.Add(entry);
            }
        }

        return delta;
    }

    /// <summary>Forgets the changes sent; positions go on from <see cref="End"/>.</summary>
    public void Clear()
    {
        _start = End;
        _changes.Clear();
    }
}
