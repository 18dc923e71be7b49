using System.Text.Json;
using ConnCount.Cluster.Contracts;
using ConnCount.SocketNode.Presence;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Unit;

/// <summary>
/// Presence diffs are coalesced per topic: the changes that arrive before a flush go out as one <c>presence_diff</c>
/// per member, netted so the official client (joins applied before leaves) ends in the right state, and a member
/// tracked since the last flush receives only what came after its <c>presence_state</c>.
/// </summary>
public class PresenceDiffTests
{
    private static readonly PresenceOrigin Self = new("self", DateTimeOffset.UnixEpoch);
    private static readonly PresenceOrigin Other = new("other", DateTimeOffset.UnixEpoch.AddDays(1));

    private static PresenceEntry Entry(string key, string reference) => new(key, reference, 0);

    private static PresenceDelta Delta(PresenceEntry[]? joins = null, PresenceEntry[]? leaves = null)
    {
        var delta = new PresenceDelta();
        delta.Joins.AddRange(joins ?? []);
        delta.Leaves.AddRange(leaves ?? []);
        return delta;
    }

    private static string Refs(IEnumerable<PresenceEntry> entries) => string.Join(",", entries.Select(e => e.Ref));

    [Fact]
    public void A_presence_that_came_and_went_is_nothing_and_one_that_left_and_came_back_is_a_join()
    {
        var log = new PresenceDiffLog();
        log.Add(Delta(joins: [Entry("alice", "a1"), Entry("bob", "b1")]));
        log.Add(Delta(leaves: [Entry("alice", "a1"), Entry("carol", "c1")]));
        log.Add(Delta(joins: [Entry("carol", "c1")]));

        var net = log.NetFrom(0);

        Assert.Equal("b1,c1", Refs(net.Joins));
        Assert.Equal("", Refs(net.Leaves));
    }

    [Fact]
    public void A_run_from_a_later_position_holds_only_what_came_after_it_and_positions_go_on_after_a_clear()
    {
        var log = new PresenceDiffLog();
        log.Add(Delta(joins: [Entry("alice", "a1")]));
        var since = log.End;
        log.Add(Delta(leaves: [Entry("alice", "a1")]));
        log.Add(Delta(joins: [Entry("bob", "b1")]));

        var later = log.NetFrom(since);
        Assert.Equal("b1", Refs(later.Joins));
        Assert.Equal("a1", Refs(later.Leaves));
        Assert.True(log.NetFrom(0).Leaves.Count == 0 && Refs(log.NetFrom(0).Joins) == "b1");

        log.Clear();
        Assert.True(log.IsEmpty);
        Assert.Equal(3, log.Start);
        log.Add(Delta(leaves: [Entry("bob", "b1")]));
        Assert.Equal("b1", Refs(log.NetFrom(0).Leaves));
        Assert.Equal(4, log.End);
    }

    [Fact]
    public void Many_joins_before_a_flush_reach_each_member_as_one_diff_and_a_newcomer_only_what_follows_its_state()
    {
        var flushes = new List<PresenceTopic>();
        var topic = new PresenceTopic("room:1", Self, 0, flushes.Add);
        topic.EndSync([], [], 0);
        var seq = 0L;
        var first = Track(topic, "first", "1", ref seq);
        topic.Flush();
        first.Frames.Clear();

        // Three more joins and a remote join and leave, all before the flush runs.
        var members = Enumerable.Range(0, 3).Select(i => Track(topic, $"user{i}", "1", ref seq)).ToList();
        Assert.Null(topic.Receive(new PresenceChange(Other.Node, Other.StartedAt, "room:1", 1, 0, [Entry("remote", "r1")], []), 0));
        Assert.Null(topic.Receive(new PresenceChange(Other.Node, Other.StartedAt, "room:1", 2, 1, [], [Entry("remote", "r1")]), 0));
        Assert.Single(flushes.Distinct());
        Assert.Empty(first.Frames);

        topic.Flush();

        // The first member: one diff, the three joins; the remote presence came and went.
        var diff = Assert.Single(first.Frames);
        Assert.Equal(["user0", "user1", "user2"], Keys(diff, "joins"));
        Assert.Empty(Keys(diff, "leaves"));
        // user0's state held itself; its one diff holds the two joins after it.
        Assert.Equal("presence_state", Event(members[0].Frames[0]));
        Assert.Equal(["first", "user0"], Keys(members[0].Frames[0], null));
        Assert.Equal(["user1", "user2"], Keys(members[0].Frames[1], "joins"));
        Assert.Equal(2, members[0].Frames.Count);
        // The last joiner's state has everyone, and nothing came after it but the remote join and leave: no diff.
        Assert.Equal(["first", "user0", "user1", "user2"], Keys(Assert.Single(members[2].Frames), null));
    }

    private static RecordingConnection Track(PresenceTopic topic, string user, string joinRef, ref long seq)
    {
        var connection = new RecordingConnection();
        Assert.True(topic.TryReserve(connection));
        var next = ++seq;
        var entry = Entry(user, $"{user}-ref");
        topic.Track(connection, joinRef, () => entry, () => next, Self, 0);
        return connection;
    }

    private static string Event(string frame) => JsonDocument.Parse(frame).RootElement[3].GetString()!;

    /// <summary>The keys of a state (<paramref name="part"/> null) or of a diff's joins or leaves.</summary>
    private static List<string> Keys(string frame, string? part)
    {
        var payload = JsonDocument.Parse(frame).RootElement[4];
        var keys = part is null ? payload : payload.GetProperty(part);
        return [.. keys.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];
    }
}
