using System.Text.Json;
using ConnCount.Cluster.Contracts;
using ConnCount.SocketNode.Presence;

namespace ConnCount.Tests.Unit;

/// <summary>A node's presence snapshot cut into parts: each within its byte budget as JSON on the wire, one reading, in order.</summary>
public class PresenceSnapshotPartsTests
{
    private const int Budget = 16 * 1024;

    /// <summary>The longest time as written: seven decimals and an offset.</summary>
    private static readonly DateTimeOffset Latest = new(new DateTime(9999, 12, 31, 9, 59, 59).AddTicks(9_999_999), TimeSpan.FromHours(14));

    private static PresenceSnapshot Whole(IReadOnlyList<PresenceEntry> entries, string node = "node-a", string topic = "room:1", long seq = 42) =>
        new(node, DateTimeOffset.UnixEpoch, topic, seq, entries);

    private static int JsonBytes(PresenceSnapshot snapshot) => JsonSerializer.SerializeToUtf8Bytes(snapshot, ClusterJsonContext.Default.PresenceSnapshot).Length;

    /// <summary>Plain ASCII, and characters the serializer escapes to two or six bytes.</summary>
    public static TheoryData<char> Characters => ['a', 'é', '<', '"', '日', '\n'];

    [Fact]
    public void A_small_snapshot_is_one_part_as_before()
    {
        var whole = Whole([new PresenceEntry("alice", "r1", 1), new PresenceEntry("bob", "r2", 2)]);

        var part = Assert.Single(PresenceSnapshotParts.Split(whole, Budget));

        Assert.Equal(whole, part with { Entries = whole.Entries });
        Assert.Equal(whole.Entries, part.Entries);
        Assert.Equal((0, 1), (part.Part, part.Parts));
        Assert.True(PresenceSnapshotParts.IsLast(part));
    }

    [Fact]
    public void A_node_with_no_presence_answers_one_empty_part()
    {
        var part = Assert.Single(PresenceSnapshotParts.Split(Whole([]), Budget));

        Assert.Empty(part.Entries);
        Assert.Equal((0, 1), (part.Part, part.Parts));
    }

    [Theory]
    [MemberData(nameof(Characters))]
    public void Every_part_fits_its_budget_whatever_characters_the_keys_use(char c)
    {
        var name = new string(c, 40);
        var entries = Enumerable.Range(0, 2000).Select(i => new PresenceEntry(i.ToString("D4") + new string(c, 96), $"{name}{i}", long.MinValue)).ToList();
        var whole = Whole(entries, node: name, topic: "room:" + name, seq: long.MaxValue) with { StartedAt = Latest };

        var parts = PresenceSnapshotParts.Split(whole, Budget);

        Assert.True(parts.Count > 10);
        Assert.All(parts, p => Assert.InRange(JsonBytes(p), 1, Budget));
        Assert.Equal(Enumerable.Range(0, parts.Count), parts.Select(p => p.Part));
        Assert.All(parts, p => Assert.Equal((parts.Count, long.MaxValue, whole.Node, whole.StartedAt, whole.Topic), (p.Parts, p.Seq, p.Node, p.StartedAt, p.Topic)));
        Assert.Equal(entries, parts.SelectMany(p => p.Entries));
        Assert.Equal([.. Enumerable.Repeat(false, parts.Count - 1), true], parts.Select(PresenceSnapshotParts.IsLast));
    }

    [Fact]
    public void Parts_are_filled_not_one_entry_each()
    {
        var entries = Enumerable.Range(0, 2000).Select(i => new PresenceEntry($"user-{i}", $"ref-{i}", 1_765_000_000_000)).ToList();

        var parts = PresenceSnapshotParts.Split(Whole(entries), Budget);

        // About 75 bytes an entry as written: 2000 of them are some 150 KB, ten parts; the estimate allows a few more.
        Assert.InRange(parts.Count, 10, 16);
    }

    [Fact]
    public void An_entry_larger_than_the_budget_is_a_part_of_its_own()
    {
        var huge = new PresenceEntry(new string('x', 2 * Budget), "r2", 2);
        var whole = Whole([new PresenceEntry("alice", "r1", 1), huge, new PresenceEntry("bob", "r3", 3)]);

        var parts = PresenceSnapshotParts.Split(whole, Budget);

        Assert.Equal(["r1", "r2", "r3"], parts.Select(p => Assert.Single(p.Entries).Ref));
    }

    [Fact]
    public void A_snapshot_without_part_and_parts_reads_as_a_whole_one()
    {
        const string json = """{"node":"node-a","started_at":"1970-01-01T00:00:00+00:00","topic":"room:1","seq":7,"entries":[{"key":"alice","ref":"r1","online_at":1}]}""";

        var snapshot = JsonSerializer.Deserialize(json, ClusterJsonContext.Default.PresenceSnapshot)!;

        Assert.Equal((0, 1), (snapshot.Part, snapshot.Parts));
        Assert.Equal(7, snapshot.Seq);
        Assert.Equal("r1", Assert.Single(snapshot.Entries).Ref);
    }

    [Fact]
    public void A_part_says_which_of_how_many_it_is()
    {
        var json = JsonSerializer.Serialize(Whole([]) with { Part = 2, Parts = 5 }, ClusterJsonContext.Default.PresenceSnapshot);

        Assert.Contains("\"part\":2", json, StringComparison.Ordinal);
        Assert.Contains("\"parts\":5", json, StringComparison.Ordinal);
    }
}
