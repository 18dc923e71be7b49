using ConnCount.Cluster.Contracts;
using ConnCount.SocketNode.Presence;

namespace ConnCount.Tests.Unit;

/// <summary>Snapshot parts put back together: a snapshot is handed out only whole, never with a part missing.</summary>
public class PresenceSnapshotAssemblyTests
{
    private static readonly PresenceOrigin A = new("node-a", DateTimeOffset.UnixEpoch);
    private static readonly PresenceOrigin B = new("node-b", DateTimeOffset.UnixEpoch.AddDays(1));

    /// <summary>A snapshot of <paramref name="origin"/> with one entry per ref, cut into parts of two entries each.</summary>
    private static List<PresenceSnapshot> Parts(PresenceOrigin origin, long seq, params string[] refs)
    {
        var groups = refs.Chunk(2).ToList();
        return [.. groups.Select((g, i) => new PresenceSnapshot(
            origin.Node, origin.StartedAt, "room:1", seq, [.. g.Select(r => new PresenceEntry("user", r, 0))], i, groups.Count))];
    }

    private static string Refs(PresenceSnapshot snapshot) => string.Join(",", snapshot.Entries.Select(e => e.Ref));

    [Fact]
    public void Parts_in_any_order_make_one_snapshot_once_the_last_arrives()
    {
        var parts = Parts(A, 9, "r1", "r2", "r3", "r4", "r5");
        var assembly = new PresenceSnapshotAssembly();

        Assert.False(assembly.Add(parts[2]));
        Assert.False(assembly.Add(parts[0]));
        Assert.Empty(assembly.Complete());
        Assert.True(assembly.Add(parts[1]));

        var whole = Assert.Single(assembly.Complete());
        Assert.Equal("r1,r2,r3,r4,r5", Refs(whole));
        Assert.Equal((A.Node, A.StartedAt, "room:1", 9L, 0, 1), (whole.Node, whole.StartedAt, whole.Topic, whole.Seq, whole.Part, whole.Parts));
        Assert.Empty(assembly.Incomplete());
    }

    [Fact]
    public void A_snapshot_in_one_message_is_complete_at_once()
    {
        var assembly = new PresenceSnapshotAssembly();

        Assert.True(assembly.Add(new PresenceSnapshot(A.Node, A.StartedAt, "room:1", 3, [new PresenceEntry("alice", "r1", 0)])));

        Assert.Equal("r1", Refs(Assert.Single(assembly.Complete())));
    }

    [Fact]
    public void A_missing_part_gives_no_snapshot_and_names_its_origin()
    {
        var parts = Parts(A, 9, "r1", "r2", "r3", "r4", "r5");
        var assembly = new PresenceSnapshotAssembly();
        assembly.Add(parts[0]);
        assembly.Add(parts[2]);

        Assert.Empty(assembly.Complete());
        Assert.Equal([A], assembly.Incomplete());
    }

    [Fact]
    public void A_part_twice_counts_once()
    {
        var parts = Parts(A, 9, "r1", "r2", "r3");
        var assembly = new PresenceSnapshotAssembly();

        Assert.False(assembly.Add(parts[0]));
        Assert.False(assembly.Add(parts[0]));

        Assert.Empty(assembly.Complete());
        Assert.Equal([A], assembly.Incomplete());
    }

    [Fact]
    public void Parts_of_two_readings_are_never_mixed()
    {
        var older = Parts(A, 5, "r1", "r2", "r3");
        var newer = Parts(A, 6, "r1", "r2", "r4");
        var assembly = new PresenceSnapshotAssembly();

        Assert.False(assembly.Add(older[0]));
        Assert.False(assembly.Add(newer[1]));

        Assert.Empty(assembly.Complete());
        Assert.Equal([A], assembly.Incomplete());
    }

    [Fact]
    public void The_newest_complete_reading_of_an_origin_is_the_one_handed_out()
    {
        var assembly = new PresenceSnapshotAssembly();
        Parts(A, 6, "r1", "r4").ForEach(p => assembly.Add(p));
        Parts(A, 5, "r1", "r2", "r3").ForEach(p => assembly.Add(p));

        var whole = Assert.Single(assembly.Complete());
        Assert.Equal((6L, "r1,r4"), (whole.Seq, Refs(whole)));
        Assert.Empty(assembly.Incomplete());
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(-1, 2)]
    [InlineData(2, 2)]
    public void A_part_numbered_outside_its_answer_adds_nothing_and_leaves_its_origin_incomplete(int part, int parts)
    {
        var assembly = new PresenceSnapshotAssembly();

        Assert.False(assembly.Add(new PresenceSnapshot(A.Node, A.StartedAt, "room:1", 3, [new PresenceEntry("alice", "r1", 0)], part, parts)));

        Assert.Empty(assembly.Complete());
        Assert.Equal([A], assembly.Incomplete());
    }

    [Fact]
    public void Origins_are_put_together_apart()
    {
        var a = Parts(A, 9, "a1", "a2", "a3");
        var b = Parts(B, 4, "b1", "b2", "b3", "b4", "b5");
        var assembly = new PresenceSnapshotAssembly();

        // Interleaved, as the replies of several nodes arrive; b's middle part is lost.
        foreach (var part in new[] { a[0], b[0], a[1], b[2] })
        {
            assembly.Add(part);
        }

        var whole = Assert.Single(assembly.Complete());
        Assert.Equal((A.Node, "a1,a2,a3"), (whole.Node, Refs(whole)));
        Assert.Equal([B], assembly.Incomplete());
    }
}
