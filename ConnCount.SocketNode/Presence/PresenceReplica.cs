using ConnCount.Cluster.Contracts;

namespace ConnCount.SocketNode.Presence;

/// <summary>One node incarnation, the owner of presences: a restarted node is a new origin, never the old one.</summary>
public readonly record struct PresenceOrigin(string Node, DateTimeOffset StartedAt);

/// <summary>What a change did to what a topic's members see: presences that appeared and presences that went.</summary>
internal sealed class PresenceDelta
{
    public List<PresenceEntry> Joins { get; } = [];

    public List<PresenceEntry> Leaves { get; } = [];

    public bool IsEmpty => Joins.Count == 0 && Leaves.Count == 0;
}

/// <summary>What became of a change handed to <see cref="PresenceReplica.Apply"/>.</summary>
internal enum PresenceApply
{
    /// <summary>Applied in order.</summary>
    Applied,

    /// <summary>Already seen (a number at or below the origin's last): nothing changed.</summary>
    Ignored,

    /// <summary>Held back until a sync or a snapshot of its origin arrives.</summary>
    Buffered,

    /// <summary>A change of the origin was missed: held back; ask the origin for a snapshot.</summary>
    NeedsSnapshot,
}

/// <summary>
/// The presences of one topic as this node knows them, by origin incarnation, kept exactly in step with each origin's
/// numbered changes. Pure: no NATS, no clock of its own, not thread-safe (its topic's lock guards it).
/// </summary>
/// <remarks>
/// An origin's changes carry their own number and the number of the origin's previous change on the topic
/// (<see cref="PresenceChange.Prev"/>), so a gap is seen, never guessed across: the origin's changes are then held
/// until a <see cref="PresenceSnapshot"/> of it replaces what is known, and the held ones newer than the snapshot are
/// replayed on top. While the whole topic is being synced (<see cref="BeginSync"/>, when it is first opened or after
/// this node's own NATS connection came back) every remote change is held, and replayed by <see cref="EndSync"/>.
/// </remarks>
internal sealed class PresenceReplica(PresenceOrigin self)
{
    private readonly Dictionary<PresenceOrigin, OriginState> _origins = [];
    private List<PresenceChange>? _syncing;

    public bool IsSyncing => _syncing is not null;

    /// <summary>The origins known, with whether each is dropped (its presences removed as it fell silent).</summary>
    public IEnumerable<(PresenceOrigin Origin, bool Dropped, bool Repairing, long HeardMs)> Origins =>
        _origins.Select(o => (o.Key, o.Value.Dropped, o.Value.Pending is not null, o.Value.HeardMs));

    /// <summary>Every presence of the topic, on every origin.</summary>
    public IEnumerable<PresenceEntry> All => _origins.Values.SelectMany(o => o.Entries.Values);

    /// <summary>This node's own presences of the topic.</summary>
    public IEnumerable<PresenceEntry> Local => _origins.TryGetValue(self, out var own) ? own.Entries.Values : [];

    /// <summary>The number of this node's last change on the topic; 0 when it made none.</summary>
    public long LocalSeq => _origins.TryGetValue(self, out var own) ? own.Seq : 0;

    /// <summary>From now until <see cref="EndSync"/>, remote changes are held.</summary>
    public void BeginSync() => _syncing ??= [];

    /// <summary>
    /// Applies one change. This node's own changes apply at once, even during a sync; a remote one is held during a
    /// sync or while its origin waits for a snapshot.
    /// </summary>
    public PresenceApply Apply(PresenceChange change, PresenceDelta delta, long nowMs)
    {
        var origin = new PresenceOrigin(change.Node, change.StartedAt);
        if (_syncing is not null && origin != self)
        {
            _syncing.Add(change);
            return PresenceApply.Buffered;
        }

        var state = Get(origin);
        state.HeardMs = nowMs;
        if (state.Pending is not null)
        {
            state.Pending.Add(change);
            return PresenceApply.Buffered;
        }

        return ApplyInOrder(state, change, delta);
    }

    /// <summary>
    /// Replaces what is known of the snapshot's origin with it, then replays the changes held for that origin that are
    /// newer. Returns <see cref="PresenceApply.NeedsSnapshot"/> when the replay finds another gap.
    /// </summary>
    public PresenceApply Replace(PresenceSnapshot snapshot, PresenceDelta delta, long nowMs)
    {
        var origin = new PresenceOrigin(snapshot.Node, snapshot.StartedAt);
        if (origin == self)
        {
            return PresenceApply.Ignored;
        }

        var state = Get(origin);
        state.HeardMs = nowMs;
        state.Dropped = false;
        if (state.Pending is null && snapshot.Seq < state.Seq)
        {
            // Older than what the changes already brought: nothing in it is news.
            return PresenceApply.Ignored;
        }

        var fresh = snapshot.Entries.ToDictionary(e => e.Ref, StringComparer.Ordinal);
        foreach (var (reference, entry) in state.Entries)
        {
            if (!fresh.ContainsKey(reference))
            {
                delta.Leaves.Add(entry);
            }
        }

        foreach (var (reference, entry) in fresh)
        {
            if (!state.Entries.ContainsKey(reference))
            {
                delta.Joins.Add(entry);
            }
        }

        state.Entries = fresh;
        state.Seq = snapshot.Seq;
        var held = state.Pending;
        state.Pending = null;
        return held is null ? PresenceApply.Applied : Replay(state, held, delta);
    }

    /// <summary>
    /// Ends a sync: replaces each answering origin with its snapshot, then replays the held changes. Returns the origins
    /// that need a snapshot of their own: those whose answer was <paramref name="incomplete"/> (a part of it missing),
    /// and those that did not answer and whose changes do not start from nothing.
    /// </summary>
    /// <param name="incomplete">
    /// Origins whose snapshot did not arrive whole: what is known of them stays, and their changes are held until a
    /// whole snapshot of their own arrives, as after a gap.
    /// </param>
    public List<PresenceOrigin> EndSync(IEnumerable<PresenceSnapshot> snapshots, PresenceDelta delta, long nowMs, IEnumerable<PresenceOrigin>? incomplete = null)
    {
        var held = _syncing ?? [];
        _syncing = null;
        var needing = new List<PresenceOrigin>();
        foreach (var snapshot in snapshots)
        {
            if (Replace(snapshot, delta, nowMs) == PresenceApply.NeedsSnapshot)
            {
                needing.Add(new PresenceOrigin(snapshot.Node, snapshot.StartedAt));
            }
        }

        foreach (var origin in incomplete ?? [])
        {
            if (origin != self)
            {
                AwaitSnapshot(origin);
                needing.Add(origin);
            }
        }

        foreach (var change in held)
        {
            if (Apply(change, delta, nowMs) == PresenceApply.NeedsSnapshot)
            {
                needing.Add(new PresenceOrigin(change.Node, change.StartedAt));
            }
        }

        return needing;
    }

    /// <summary>
    /// Removes every presence of an origin that fell silent (leaves), and forgets its numbering, so whatever it sends if
    /// it comes back is repaired from a snapshot rather than applied on top of nothing.
    /// </summary>
    public void Drop(PresenceOrigin origin, PresenceDelta delta)
    {
        if (origin == self || !_origins.TryGetValue(origin, out var state))
        {
            return;
        }

        delta.Leaves.AddRange(state.Entries.Values);
        state.Entries.Clear();
        state.Seq = -1;
        state.Pending = null;
        state.Dropped = true;
    }

    /// <summary>Forgets an origin the cluster no longer knows at all (after <see cref="Drop"/>).</summary>
    public void Forget(PresenceOrigin origin)
    {
        if (origin != self && _origins.TryGetValue(origin, out var state) && state.Entries.Count == 0)
        {
            _origins.Remove(origin);
        }
    }

    /// <summary>Marks an origin as waiting for a snapshot (a dropped origin heard from again), holding its changes.</summary>
    public void AwaitSnapshot(PresenceOrigin origin)
    {
        var state = Get(origin);
        state.Pending ??= [];
    }

    private static PresenceApply Replay(OriginState state, List<PresenceChange> held, PresenceDelta delta)
    {
        held.Sort((a, b) => a.Seq.CompareTo(b.Seq));
        for (var i = 0; i < held.Count; i++)
        {
            if (ApplyInOrder(state, held[i], delta) == PresenceApply.NeedsSnapshot)
            {
                state.Pending!.AddRange(held.Skip(i + 1));
                return PresenceApply.NeedsSnapshot;
            }
        }

        return PresenceApply.Applied;
    }

    private static PresenceApply ApplyInOrder(OriginState state, PresenceChange change, PresenceDelta delta)
    {
        if (change.Seq <= state.Seq)
        {
            return PresenceApply.Ignored;
        }

        if (change.Prev == 0)
        {
            // The origin held nothing of the topic before this change: whatever is known of it is gone.
            delta.Leaves.AddRange(state.Entries.Values);
            state.Entries.Clear();
        }
        else if (change.Prev != state.Seq)
        {
            state.Pending = [change];
            return PresenceApply.NeedsSnapshot;
        }

        foreach (var leave in change.Leaves)
        {
            if (state.Entries.Remove(leave.Ref, out var gone))
            {
                delta.Leaves.Add(gone);
            }
        }

        foreach (var join in change.Joins)
        {
            if (state.Entries.TryAdd(join.Ref, join))
            {
                delta.Joins.Add(join);
            }
        }

        state.Seq = change.Seq;
        state.Dropped = false;
        return PresenceApply.Applied;
    }

    private OriginState Get(PresenceOrigin origin)
    {
        if (!_origins.TryGetValue(origin, out var state))
        {
            _origins[origin] = state = new OriginState();
        }

        return state;
    }

    private sealed class OriginState
    {
        public Dictionary<string, PresenceEntry> Entries = new(StringComparer.Ordinal);

        /// <summary>The number of the last change applied; 0 before any, -1 when unknown (dropped).</summary>
        public long Seq;

        /// <summary>Changes held until a snapshot of the origin arrives; null when none is awaited.</summary>
        public List<PresenceChange>? Pending;

        public bool Dropped;

        public long HeardMs;
    }
}
