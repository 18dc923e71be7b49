using System.Text.Json;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>Live counts pushed to clients that join <c>stats:cluster</c> or <c>stats:&lt;topic&gt;</c>.</summary>
public class StatsPushTests
{
    private static Uri Ws(Uri http) => PhoenixTestClient.WebSocketUri(http);

    private static List<JsonElement> PushesOf(PhoenixTestClient client, string topic) =>
        client.Pushes.Where(p => p[2].GetString() == topic && p[3].GetString() == "connection_stats").ToList();

    [Fact]
    public async Task Presence_topics_get_a_push_on_join_and_on_every_change_but_not_when_nothing_changed()
    {
        await using var cluster = await TestCluster.StartAsync();
        var a = await cluster.StartNodeAsync("node-a", new() { ["ConnCount__Node__PresenceInterval"] = "00:00:00.300" });
        var b = await cluster.StartNodeAsync("node-b");
        await using var watcher = await PhoenixTestClient.ConnectAsync(Ws(a));
        await watcher.JoinAsync("stats:cluster");
        var join = await watcher.JoinAsync("stats:room");
        Assert.Equal("ok", join.Status);

        var first = await Eventually.MatchAsync(
            () => Task.FromResult(PushesOf(watcher, "stats:cluster")),
            // The last push read may have been sent before the stats:room join was answered: wait for one after it.
            p => p.Count > 0 && p[^1][4].GetProperty("cluster_size").GetInt32() == 2 && p[^1][4].GetProperty("total_watchers").GetInt64() == 2);
        // The watcher's own stats:* joins are watchers, not connections: watching does not change what is watched.
        Assert.Equal(0, first[^1][4].GetProperty("total_connections").GetInt64());
        Assert.Equal(2, first[^1][4].GetProperty("total_watchers").GetInt64());
        Assert.False(first[^1][4].GetProperty("topics").TryGetProperty("stats:room", out _));
        Assert.NotEqual(JsonValueKind.Null, first[^1][0].ValueKind); // pushes carry the channel's join ref
        await Eventually.MatchAsync(() => Task.FromResult(PushesOf(watcher, "stats:room")), p => p.Count > 0);

        await using var member = await PhoenixTestClient.ConnectAsync(Ws(b));
        await member.JoinAsync("room");

        var updated = await Eventually.MatchAsync(
            () => Task.FromResult(PushesOf(watcher, "stats:cluster")),
            p => p[^1][4].GetProperty("total_connections").GetInt64() == 1);
        var roomPush = await Eventually.MatchAsync(
            () => Task.FromResult(PushesOf(watcher, "stats:room")),
            p => p[^1][4].GetProperty("total").GetInt64() == 1);
        Assert.Equal("room", roomPush[^1][4].GetProperty("topic").GetString());
        Assert.Equal(1, roomPush[^1][4].GetProperty("nodes").GetProperty("node-b").GetInt64());

        // Nothing changes for several intervals: no more pushes.
        var settled = PushesOf(watcher, "stats:cluster").Count;
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(settled, PushesOf(watcher, "stats:cluster").Count);

        await member.LeaveAsync("room");
        await Eventually.MatchAsync(
            () => Task.FromResult(PushesOf(watcher, "stats:room")),
            p => p[^1][4].GetProperty("total").GetInt64() == 0);
    }

    [Fact]
    public async Task A_topic_on_three_nodes_with_nothing_changing_gets_no_push_for_ten_intervals()
    {
        await using var cluster = await TestCluster.StartAsync();
        var interval = new Dictionary<string, string> { ["ConnCount__Node__PresenceInterval"] = "00:00:00.200" };
        var nodes = new List<Uri>();
        foreach (var id in new[] { "node-a", "node-b", "node-c" })
        {
            nodes.Add(await cluster.StartNodeAsync(id, interval));
        }

        var members = new List<PhoenixTestClient>();
        foreach (var node in nodes)
        {
            var member = await PhoenixTestClient.ConnectAsync(Ws(node));
            await member.JoinAsync("room:a");
            members.Add(member);
        }

        await using var watcher = await PhoenixTestClient.ConnectAsync(Ws(nodes[0]));
        await watcher.JoinAsync("stats:cluster");
        await watcher.JoinAsync("stats:room:a");
        await Eventually.MatchAsync(
            () => Task.FromResult(PushesOf(watcher, "stats:room:a")),
            p => p.Count > 0 && p[^1][4].GetProperty("total").GetInt64() == 3 && p[^1][4].GetProperty("nodes").EnumerateObject().Count() == 3);
        await Eventually.MatchAsync(
            () => Task.FromResult(PushesOf(watcher, "stats:cluster")),
            p => p.Count > 0 && p[^1][4].GetProperty("cluster_size").GetInt32() == 3 && p[^1][4].GetProperty("total_connections").GetInt64() == 3);

        // Ten intervals with steady counts; nodes answer each gather in whatever order they do.
        var cluster0 = PushesOf(watcher, "stats:cluster").Count;
        var topic0 = PushesOf(watcher, "stats:room:a").Count;
        for (var i = 0; i < 10; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200));
            await watcher.HeartbeatAsync();
        }

        Assert.Equal(cluster0, PushesOf(watcher, "stats:cluster").Count);
        Assert.Equal(topic0, PushesOf(watcher, "stats:room:a").Count);

        foreach (var member in members)
        {
            await member.DisposeAsync();
        }
    }
}
