using ConnCount.Cluster.Contracts;
using ConnCount.SocketNode.Presence;

namespace ConnCount.Tests.Unit;

/// <summary>The presences of one topic kept in step with each node's numbered changes: gaps repaired from snapshots, never guessed across.</summary>
public class PresenceReplicaTests
{
    private static readonly PresenceOrigin Self = new("self", DateTimeOffset.UnixEpoch);
    private static readonly PresenceOrigin Other = new("other", DateTimeOffset.UnixEpoch.AddDays(1));

    private static PresenceEntry Entry(string key, string reference) => new(key, reference, 0);

    private static PresenceChange Change(PresenceOrigin origin, long seq, long prev, PresenceEntry[]? joins = null, PresenceEntry[]? leaves = null) =>
        new(origin.Node, origin.StartedAt, "room:1", seq, prev, joins ?? [], leaves ?? []);

    private static PresenceSnapshot Snapshot(PresenceOrigin origin, long seq, params PresenceEntry[] entries) =>
        new(origin.Node, origin.StartedAt, "room:1", seq, entries);

    private static PresenceReplica Synced()
    {
        var replica = new PresenceReplica(Self);
        replica.BeginSync();
        replica.EndSync([], new PresenceDelta(), 0);
        return replica;
    }

    private static string Refs(PresenceReplica replica) => string.Join(",", replica.All.Select(e => e.Ref).Order(StringComparer.Ordinal));

    [Fact]
    public void Changes_in_order_join_and_leave()
    {
        var replica = Synced();
        var delta = new PresenceDelta();
        Assert.Equal(PresenceApply.Applied, replica.Apply(Change(Other, 3, 0, [Entry("alice", "a1"), Entry("bob", "b1")]), delta, 0));
        Assert.Equal(PresenceApply.Applied, replica.Apply(Change(Other, 7, 3, leaves: [Entry("alice", "a1")]), delta, 0));

        Assert.Equal("b1", Refs(replica));
        Assert.Equal(["a1", "b1"], delta.Joins.Select(e => e.Ref));
        Assert.Equal(["a1"], delta.Leaves.Select(e => e.Ref));
    }

    [Fact]
    public void A_missed_change_holds_the_origin_until_a_snapshot_and_replays_what_is_newer()
    {
        var replica = Synced();
        replica.Apply(Change(Other, 1, 0, [Entry("alice", "a1")]), new PresenceDelta(), 0);

        // Change 2 (bob joined) is lost; 3 and 4 arrive.
        Assert.Equal(PresenceApply.NeedsSnapshot, replica.Apply(Change(Other, 3, 2, [Entry("carol", "c1")]), new PresenceDelta(), 0));
        Assert.Equal(PresenceApply.Buffered, replica.Apply(Change(Other, 4, 3, leaves: [Entry("alice", "a1")]), new PresenceDelta(), 0));
        Assert.Equal("a1", Refs(replica));

        // The snapshot was taken after change 3: it has alice, bob and carol; change 4 is replayed on top.
        var delta = new PresenceDelta();
        Assert.Equal(PresenceApply.Applied, replica.Replace(Snapshot(Other, 3, Entry("alice", "a1"), Entry("bob", "b1"), Entry("carol", "c1")), delta, 0));

        Assert.Equal("b1,c1", Refs(replica));
        Assert.Equal(["b1", "c1"], delta.Joins.Select(e => e.Ref).Order(StringComparer.Ordinal));
        Assert.Equal(["a1"], delta.Leaves.Select(e => e.Ref));
    }

    [Fact]
    public void Changes_at_or_below_a_snapshot_are_not_applied_twice()
    {
        var replica = Synced();
        replica.Apply(Change(Other, 5, 4, [Entry("alice", "a1")]), new PresenceDelta(), 0);
        replica.Replace(Snapshot(Other, 6, Entry("bob", "b1")), new PresenceDelta(), 0);

        // The first change (prev 0) arrives late: it must not wipe what the snapshot brought.
        Assert.Equal(PresenceApply.Ignored, replica.Apply(Change(Other, 2, 0, [Entry("x", "x1")]), new PresenceDelta(), 0));
        Assert.Equal("b1", Refs(replica));
    }

    [Fact]
    public void A_change_from_nothing_replaces_what_was_known_of_its_origin()
    {
        var replica = Synced();
        replica.Apply(Change(Other, 1, 0, [Entry("alice", "a1")]), new PresenceDelta(), 0);
        var delta = new PresenceDelta();

        // The origin emptied the topic (its last change was missed) and started again.
        Assert.Equal(PresenceApply.Applied, replica.Apply(Change(Other, 9, 0, [Entry("bob", "b1")]), delta, 0));

        Assert.Equal("b1", Refs(replica));
        Assert.Equal(["a1"], delta.Leaves.Select(e => e.Ref));
    }

    [Fact]
    public void During_a_sync_remote_changes_wait_and_own_changes_apply()
    {
        var replica = new PresenceReplica(Self);
        replica.BeginSync();
        Assert.Equal(PresenceApply.Buffered, replica.Apply(Change(Other, 8, 7, [Entry("carol", "c1")]), new PresenceDelta(), 0));
        Assert.Equal(PresenceApply.Applied, replica.Apply(Change(Self, 1, 0, [Entry("me", "m1")]), new PresenceDelta(), 0));
        Assert.Equal("m1", Refs(replica));

        var delta = new PresenceDelta();
        var needing = replica.EndSync([Snapshot(Other, 7, Entry("bob", "b1")), Snapshot(Self, 99)], delta, 0);

        Assert.Empty(needing);
        Assert.Equal("b1,c1,m1", Refs(replica));
        Assert.Equal(1, replica.LocalSeq);
    }

    [Fact]
    public void A_change_from_a_node_that_did_not_answer_the_sync_asks_for_its_snapshot()
    {
        var replica = new PresenceReplica(Self);
        replica.BeginSync();
        replica.Apply(Change(Other, 8, 7, [Entry("carol", "c1")]), new PresenceDelta(), 0);

        var needing = replica.EndSync([], new PresenceDelta(), 0);

        Assert.Equal([Other], needing);
        Assert.Equal("", Refs(replica));
    }

    [Fact]
    public void An_origin_whose_sync_answer_lacked_a_part_keeps_what_was_known_and_waits_for_a_whole_snapshot()
    {
        var replica = Synced();
        replica.Apply(Change(Other, 1, 0, [Entry("alice", "a1")]), new PresenceDelta(), 0);
        replica.BeginSync();
        replica.Apply(Change(Other, 2, 1, [Entry("bob", "b1")]), new PresenceDelta(), 0);

        var delta = new PresenceDelta();
        var needing = replica.EndSync([], delta, 0, incomplete: [Other]);

        // Nothing is dropped on a part's account, and nothing is applied on top of an unknown state.
        Assert.Equal([Other], needing);
        Assert.True(delta.IsEmpty);
        Assert.Equal("a1", Refs(replica));
        Assert.Contains(replica.Origins, o => o.Origin == Other && o.Repairing);
        Assert.Equal(PresenceApply.Buffered, replica.Apply(Change(Other, 3, 2, leaves: [Entry("alice", "a1")]), new PresenceDelta(), 0));

        // The whole snapshot (taken after change 1) comes, and the held changes are replayed on top.
        Assert.Equal(PresenceApply.Applied, replica.Replace(Snapshot(Other, 1, Entry("alice", "a1")), new PresenceDelta(), 0));
        Assert.Equal("b1", Refs(replica));
    }

    [Fact]
    public void This_nodes_own_incomplete_answer_changes_nothing()
    {
        var replica = new PresenceReplica(Self);
        replica.BeginSync();

        Assert.Empty(replica.EndSync([], new PresenceDelta(), 0, incomplete: [Self]));
        Assert.Equal(PresenceApply.Applied, replica.Apply(Change(Self, 1, 0, [Entry("me", "m1")]), new PresenceDelta(), 0));
        Assert.Equal("m1", Refs(replica));
    }

    [Fact]
    public void A_dropped_origin_leaves_and_comes_back_only_through_a_snapshot()
    {
        var replica = Synced();
        replica.Apply(Change(Other, 1, 0, [Entry("alice", "a1"), Entry("bob", "b1")]), new PresenceDelta(), 0);
        var dropped = new PresenceDelta();
        replica.Drop(Other, dropped);
        Assert.Equal(["a1", "b1"], dropped.Leaves.Select(e => e.Ref).Order(StringComparer.Ordinal));
        Assert.Equal("", Refs(replica));

        // It was only paused: its next change follows on from 1, which this replica no longer holds.
        Assert.Equal(PresenceApply.NeedsSnapshot, replica.Apply(Change(Other, 2, 1, [Entry("carol", "c1")]), new PresenceDelta(), 0));
        replica.Replace(Snapshot(Other, 2, Entry("alice", "a1"), Entry("bob", "b1"), Entry("carol", "c1")), new PresenceDelta(), 0);
        Assert.Equal("a1,b1,c1", Refs(replica));
    }

    [Fact]
    public void Own_presences_are_never_dropped()
    {
        var replica = Synced();
        replica.Apply(Change(Self, 1, 0, [Entry("me", "m1")]), new PresenceDelta(), 0);
        var delta = new PresenceDelta();
        replica.Drop(Self, delta);
        Assert.True(delta.IsEmpty);
        Assert.Equal("m1", Refs(replica));
    }
}
