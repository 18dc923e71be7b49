using ConnCount.Cluster.Contracts;
using ConnCount.SocketNode.Sockets;

namespace ConnCount.SocketNode.Presence;

/// <summary>
/// One presence topic on this node while it holds members of it: the members (each with the join ref its pushes carry
/// and, once tracked, its presence), the cluster's presences (<see cref="PresenceReplica"/>) and the subscription to
/// the topic's changes. Every change of state and every push it causes happen under one lock, so each member receives
/// its <c>presence_state</c> and the diffs after it in the order they happened.
/// </summary>
/// <remarks>
/// Diffs are coalesced: a change goes into the topic's <see cref="PresenceDiffLog"/> and a flush is queued on the
/// thread pool; every change that arrives before the flush runs goes out in the same <c>presence_diff</c>. On a quiet
/// topic that is one diff per change, a thread-pool hop later; while thousands join at once, each member receives one
/// diff per flush instead of one per join (Phoenix's own Presence merges diffs queued behind a busy one the same way).
/// A member tracked since the last flush receives only what came after its state.
/// </remarks>
internal sealed class PresenceTopic
{
    private readonly Lock _gate = new();
    private readonly Dictionary<PhoenixConnection, Member?> _members = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<PresenceOrigin, long> _repairsAskedMs = [];
    private readonly PresenceReplica _replica;
    private readonly PresenceDiffLog _log = new();
    private readonly Action<PresenceTopic> _queueFlush;
    private bool _flushQueued;
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _emptySinceMs;
    private bool _retired;

    /// <param name="queueFlush">Runs a flush later; by default on the thread pool (tests run it when they choose).</param>
    public PresenceTopic(string topic, PresenceOrigin self, long nowMs, Action<PresenceTopic>? queueFlush = null)
    {
        _queueFlush = queueFlush ?? QueueOnThreadPool;
        Topic = topic;
        _replica = new PresenceReplica(self);
        _replica.BeginSync();
        _emptySinceMs = nowMs;
    }

    public string Topic { get; }

    /// <summary>Completes once the first sync ended (or failed): a joining member waits for it, briefly, before its reply.</summary>
    public Task Synced => _synced.Task;

    /// <summary>The first sync ended.</summary>
    public void MarkSynced() => _synced.TrySetResult();

    /// <summary>The subscription to the topic's changes, ended when the topic is retired.</summary>
    public IAsyncDisposable? Subscription { get; set; }

    /// <summary>Holds a place for a member about to be tracked; false when the topic was retired (make a new one).</summary>
    public bool TryReserve(PhoenixConnection connection)
    {
        lock (_gate)
        {
            if (_retired)
            {
                return false;
            }

            _members.TryAdd(connection, null);
            return true;
        }
    }

    /// <summary>
    /// Tracks a member after its join reply: its presence goes to the cluster (the returned change, to publish) and to
    /// the other members here as a diff, and the member receives <c>presence_state</c>. A rejoin keeps its presence and
    /// receives a fresh state under the new join ref; it returns null.
    /// </summary>
    public PresenceChange? Track(PhoenixConnection connection, string joinRef, Func<PresenceEntry> newEntry, Func<long> nextSeq, PresenceOrigin self, long nowMs)
    {
        lock (_gate)
        {
            if (_members.TryGetValue(connection, out var existing) && existing is { } member)
            {
                _members[connection] = member with { JoinRef = joinRef, Since = _log.End };
                connection.Post(PresenceFrames.State(Topic, joinRef, _replica.All));
                return null;
            }

            var entry = newEntry();
            var change = new PresenceChange(self.Node, self.StartedAt, Topic, nextSeq(), _replica.LocalSeq, [entry], []);
            var delta = new PresenceDelta();
            _replica.Apply(change, delta, nowMs);
            Broadcast(delta);
            // Its state has its own join and everything before: it receives only what comes after.
            _members[connection] = new Member(joinRef, entry, _log.End);
            _emptySinceMs = 0;
            connection.Post(PresenceFrames.State(Topic, joinRef, _replica.All));
            return change;
        }
    }

    /// <summary>Untracks a member whose membership ended; returns the change to publish (null if it was never tracked).</summary>
    public PresenceChange? Untrack(PhoenixConnection connection, Func<long> nextSeq, PresenceOrigin self, long nowMs)
    {
        lock (_gate)
        {
            if (!_members.Remove(connection, out var member))
            {
                return null;
            }

            if (_members.Count == 0)
            {
                _emptySinceMs = nowMs;
            }

            if (member is not { } tracked)
            {
                return null;
            }

            var change = new PresenceChange(self.Node, self.StartedAt, Topic, nextSeq(), _replica.LocalSeq, [], [tracked.Entry]);
            var delta = new PresenceDelta();
            _replica.Apply(change, delta, nowMs);
            Broadcast(delta);
            return change;
        }
    }

    /// <summary>A change from NATS; returns the origin to ask for a snapshot when a gap was found.</summary>
    public PresenceOrigin? Receive(PresenceChange change, long nowMs) =>
        Update(delta => _replica.Apply(change, delta, nowMs) == PresenceApply.NeedsSnapshot ? new PresenceOrigin(change.Node, change.StartedAt) : null);

    /// <summary>A snapshot of one origin, asked for after a gap; returns the origin again if the held changes still do not follow on.</summary>
    public PresenceOrigin? Receive(PresenceSnapshot snapshot, long nowMs) =>
        Update(delta => _replica.Replace(snapshot, delta, nowMs) == PresenceApply.NeedsSnapshot ? new PresenceOrigin(snapshot.Node, snapshot.StartedAt) : null);

    /// <summary>Starts a sync of the whole topic: remote changes are held until <see cref="EndSync"/>.</summary>
    public void BeginSync()
    {
        lock (_gate)
        {
            _replica.BeginSync();
        }
    }

    /// <summary>
    /// Ends a sync with the snapshots gathered whole, and the origins whose snapshot is missing a part; returns the
    /// origins that need a snapshot of their own.
    /// </summary>
    public List<PresenceOrigin> EndSync(IReadOnlyList<PresenceSnapshot> snapshots, IReadOnlyList<PresenceOrigin> incomplete, long nowMs)
    {
        List<PresenceOrigin> needing = [];
        Update(delta =>
        {
            needing = _replica.EndSync(snapshots, delta, nowMs, incomplete);
            return null;
        });
        return needing;
    }

    /// <summary>This node's presences of the topic and the number of its last change there, for a snapshot.</summary>
    public (long Seq, List<PresenceEntry> Entries) LocalSnapshot()
    {
        lock (_gate)
        {
            return (_replica.LocalSeq, [.. _replica.Local]);
        }
    }

    /// <summary>
    /// The periodic check: drops the presences of origins the directory no longer counts live (leaves to the members),
    /// asks origins heard again, or still waiting, for a snapshot. Returns those to ask. <paramref name="isLive"/> is true
    /// for this node itself.
    /// </summary>
    public List<PresenceOrigin> Sweep(Func<PresenceOrigin, bool> isLive, Func<PresenceOrigin, bool> isKnown, long nowMs, long expiryMs, long retryMs)
    {
        var ask = new List<PresenceOrigin>();
        Update(delta =>
        {
            foreach (var (origin, dropped, repairing, heardMs) in _replica.Origins.ToList())
            {
                var live = isLive(origin);
                if (!dropped && !live && nowMs - heardMs > expiryMs)
                {
                    _replica.Drop(origin, delta);
                    _repairsAskedMs.Remove(origin);
                }
                else if (dropped && live)
                {
                    _replica.AwaitSnapshot(origin);
                    Ask(origin);
                }
                else if (dropped && !isKnown(origin))
                {
                    _replica.Forget(origin);
                }
                else if (repairing && (!_repairsAskedMs.TryGetValue(origin, out var asked) || nowMs - asked > retryMs))
                {
                    Ask(origin);
                }
            }

            return null;
        });
        return ask;

        void Ask(PresenceOrigin origin)
        {
            _repairsAskedMs[origin] = nowMs;
            ask.Add(origin);
        }
    }

    /// <summary>Retires the topic when it has had no member for <paramref name="graceMs"/>; true when it did.</summary>
    public bool TryRetire(long nowMs, long graceMs)
    {
        lock (_gate)
        {
            if (_members.Count > 0 || _emptySinceMs == 0 || nowMs - _emptySinceMs < graceMs)
            {
                return false;
            }

            _retired = true;
            return true;
        }
    }

    /// <summary>Records that a snapshot of <paramref name="origin"/> was asked for now.</summary>
    public void Asked(PresenceOrigin origin, long nowMs)
    {
        lock (_gate)
        {
            _repairsAskedMs[origin] = nowMs;
        }
    }

    private PresenceOrigin? Update(Func<PresenceDelta, PresenceOrigin?> change)
    {
        lock (_gate)
        {
            var delta = new PresenceDelta();
            var result = change(delta);
            Broadcast(delta);
            return result;
        }
    }

    /// <summary>Logs the change for the members here and queues a flush, unless one is queued already.</summary>
    private void Broadcast(PresenceDelta delta)
    {
        if (delta.IsEmpty)
        {
            return;
        }

        _log.Add(delta);
        if (!_flushQueued)
        {
            _flushQueued = true;
            _queueFlush(this);
        }
    }

    private static void QueueOnThreadPool(PresenceTopic topic) =>
        ThreadPool.UnsafeQueueUserWorkItem(static t => t.Flush(), topic, preferLocal: false);

    /// <summary>Sends every tracked member the net diff of the changes after its state: one frame per distinct start.</summary>
    internal void Flush()
    {
        lock (_gate)
        {
            _flushQueued = false;
            if (_log.IsEmpty)
            {
                return;
            }

            Dictionary<long, byte[]?>? frames = null;
            foreach (var (connection, member) in _members)
            {
                // A member not yet tracked receives the state with these changes in it, after its reply.
                if (member is not { } tracked || tracked.Since >= _log.End)
                {
                    continue;
                }

                // Every member whose state is older than the log shares one frame.
                var since = Math.Max(tracked.Since, _log.Start);
                frames ??= [];
                if (!frames.TryGetValue(since, out var frame))
                {
                    var diff = _log.NetFrom(since);
                    frames[since] = frame = diff.IsEmpty ? null : PresenceFrames.Diff(Topic, diff);
                }

                if (frame is not null)
                {
                    connection.Post(frame);
                }
            }

            _log.Clear();
        }
    }

    /// <param name="Since">The <see cref="PresenceDiffLog"/> position its <c>presence_state</c> covers.</param>
    private readonly record struct Member(string JoinRef, PresenceEntry Entry, long Since);
}
