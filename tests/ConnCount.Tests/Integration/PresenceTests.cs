using System.Text.Json;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>
/// Phoenix Presence across real nodes over a real NATS: every member sees every user on every node, leaves remove
/// exactly their own meta, and a node that dies or stops answering takes its users with it (and gives them back if it
/// was only paused).
/// </summary>
public class PresenceTests
{
    private const string Topic = "room:presence";

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["ConnCount__Messages__Topics__0__Pattern"] = "room:*",
        ["ConnCount__Messages__Topics__0__Presence"] = "true",
        ["ConnCount__Messages__Topics__1__Pattern"] = "quiet:*",
        ["ConnCount__Auth__SigningKey"] = JoinTokens.SigningKey,
    };

    private static async Task<(TestCluster Cluster, Uri[] Nodes)> StartAsync(int nodes = 3)
    {
        var cluster = await TestCluster.StartAsync(Settings);
        var uris = new Uri[nodes];
        for (var i = 0; i < nodes; i++)
        {
            uris[i] = PhoenixTestClient.WebSocketUri(await cluster.StartNodeAsync($"node-{i}"));
        }

        // Every node hears every other's heartbeat before the first join.
        await cluster.StartApiAsync();
        await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => s.GetProperty("cluster_size").GetInt32() == nodes);
        return (cluster, uris);
    }

    private static async Task<PhoenixTestClient> JoinAsync(Uri node, string? user, string topic = Topic)
    {
        var client = await PhoenixTestClient.ConnectAsync(node);
        object payload = user is null ? new { } : new { token = JoinTokens.Issue([topic], user: user) };
        var reply = await client.JoinAsync(topic, payload);
        Assert.True(reply.IsOk, reply.Reason);
        return client;
    }

    /// <summary>What the client's <c>Presence</c> would list: key → metas, anonymous keys as "anonymous".</summary>
    private static string Listed(PhoenixTestClient client, string topic = Topic) => PresenceView.Of(client, topic).Describe();

    private static Task WaitListedAsync(PhoenixTestClient client, string expected, string because, TimeSpan? timeout = null) =>
        Eventually.MatchAsync(() => Task.FromResult(Listed(client)), l => l == expected, timeout, because);

    [Fact]
    public async Task Every_member_lists_every_user_on_every_node_and_a_leave_removes_only_its_meta()
    {
        var (cluster, nodes) = await StartAsync();
        await using var _ = cluster;
        await using var alice0 = await JoinAsync(nodes[0], "alice");
        await using var alice1 = await JoinAsync(nodes[1], "alice");
        await using var bob = await JoinAsync(nodes[2], "bob");
        await using var guest = await JoinAsync(nodes[0], user: null);

        foreach (var member in new[] { alice0, alice1, bob, guest })
        {
            await WaitListedAsync(member, "alice=2,anonymous=1,bob=1", "every member sees both of alice's sockets, bob and the guest");
        }

        // The state arrives under the channel's join ref, so the official client ties it to this join.
        var state = guest.Pushes.First(p => p[3].GetString() == "presence_state");
        Assert.Equal(guest.JoinRefOf(Topic), state[0].GetString());
        var meta = state[4].GetProperty("alice").GetProperty("metas")[0];
        Assert.False(string.IsNullOrEmpty(meta.GetProperty("phx_ref").GetString()));
        Assert.True(meta.GetProperty("online_at").GetInt64() > 0);

        Assert.True((await alice1.LeaveAsync(Topic)).IsOk);
        foreach (var member in new[] { alice0, bob, guest })
        {
            await WaitListedAsync(member, "alice=1,anonymous=1,bob=1", "alice's other socket stays listed");
        }

        await guest.DisposeAsync();
        foreach (var member in new[] { alice0, bob })
        {
            await WaitListedAsync(member, "alice=1,bob=1", "a closed socket leaves");
        }

        // Presence is per topic: a topic whose rule does not track it sends none.
        await using var quiet = await JoinAsync(nodes[0], "carol", "quiet:1");
        await Task.Delay(300);
        Assert.DoesNotContain(quiet.Pushes, p => p[2].GetString() == "quiet:1" && p[3].GetString()!.StartsWith("presence_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_rejoin_gets_a_fresh_state_and_stays_one_presence()
    {
        var (cluster, nodes) = await StartAsync(nodes: 2);
        await using var _ = cluster;
        await using var alice = await JoinAsync(nodes[0], "alice");
        await using var bob = await JoinAsync(nodes[1], "bob");
        await WaitListedAsync(alice, "alice=1,bob=1", "both are present");

        Assert.True((await alice.JoinAsync(Topic, new { token = JoinTokens.Issue([Topic], user: "alice") })).IsOk);

        await WaitListedAsync(alice, "alice=1,bob=1", "the rejoined channel has its own state");
        Assert.Equal(2, alice.Pushes.Count(p => p[3].GetString() == "presence_state"));
        await Task.Delay(300);
        Assert.Equal("alice=1,bob=1", Listed(bob));
    }

    [Fact]
    public async Task A_killed_nodes_users_leave_within_the_expiry_and_no_one_else_does()
    {
        var (cluster, nodes) = await StartAsync();
        await using var _ = cluster;
        await using var alice = await JoinAsync(nodes[0], "alice");
        await using var bob = await JoinAsync(nodes[1], "bob");
        await using var carol = await JoinAsync(nodes[2], "carol");
        await using var dave = await JoinAsync(nodes[2], "dave");
        await WaitListedAsync(alice, "alice=1,bob=1,carol=1,dave=1", "everyone is present");
        await WaitListedAsync(bob, "alice=1,bob=1,carol=1,dave=1", "everyone is present");

        cluster.Nodes["node-2"].Process.Kill();

        // The tests' node expiry is 2 s; the sweep runs every 250 ms. The wait is a bound, not a measurement.
        await WaitListedAsync(alice, "alice=1,bob=1", "the dead node's users leave", TimeSpan.FromSeconds(8));
        await WaitListedAsync(bob, "alice=1,bob=1", "the dead node's users leave", TimeSpan.FromSeconds(8));
        var leaves = alice.Pushes.Where(p => p[3].GetString() == "presence_diff" && p[4].GetProperty("leaves").EnumerateObject().Any()).ToList();
        Assert.Contains(leaves, p => p[4].GetProperty("leaves").TryGetProperty("carol", out var _));
    }

    [Fact]
    public async Task A_paused_nodes_users_leave_and_come_back_when_it_resumes()
    {
        var (cluster, nodes) = await StartAsync(nodes: 2);
        await using var _ = cluster;
        await using var alice = await JoinAsync(nodes[0], "alice");
        await using var bob = await JoinAsync(nodes[1], "bob");
        await WaitListedAsync(alice, "alice=1,bob=1", "both are present");

        var paused = cluster.Nodes["node-1"].Process;
        await paused.PauseAsync();
        try
        {
            await WaitListedAsync(alice, "alice=1", "a node that stopped answering takes its users out", TimeSpan.FromSeconds(8));
        }
        finally
        {
            await paused.ResumeAsync();
        }

        await WaitListedAsync(alice, "alice=1,bob=1", "bob's socket never closed: he is back once his node is heard again", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Changes_made_while_nats_was_down_are_seen_after_it_returns()
    {
        var (cluster, nodes) = await StartAsync(nodes: 2);
        await using var _ = cluster;
        await using var alice = await JoinAsync(nodes[0], "alice");
        var bob = await JoinAsync(nodes[1], "bob");
        await using var carol = await JoinAsync(nodes[1], "carol");
        await WaitListedAsync(alice, "alice=1,bob=1,carol=1", "all are present");

        cluster.Nats.Kill();
        // Bob leaves while node-1 cannot tell anyone.
        await bob.DisposeAsync();
        await Task.Delay(500);
        await cluster.StartNatsAsync();

        await WaitListedAsync(alice, "alice=1,carol=1", "the sync after the reconnect brings bob's leave", TimeSpan.FromSeconds(20));
        await WaitListedAsync(carol, "alice=1,carol=1", "node-1's members see the same", TimeSpan.FromSeconds(20));
    }
}
