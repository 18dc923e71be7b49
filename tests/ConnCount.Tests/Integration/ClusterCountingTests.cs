using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>A real nats-server, real socket-node processes, the real StatsApi, real WebSockets.</summary>
public class ClusterCountingTests
{
    private static Uri Ws(Uri http) => PhoenixTestClient.WebSocketUri(http);

    private static long TopicTotal(JsonElement stats, string topic) =>
        stats.GetProperty("topics").TryGetProperty(topic, out var t) ? t.GetProperty("total").GetInt64() : 0;

    [Fact]
    public async Task A_node_given_several_nats_urls_one_of_them_down_joins_the_cluster()
    {
        await using var cluster = await TestCluster.StartAsync();
        var nobodyListens = $"nats://127.0.0.1:{FreePort.Next()}";
        var node = await cluster.StartNodeAsync("node-a", new() { ["ConnectionStrings__nats"] = $"{nobodyListens},{cluster.NatsUrl}" });
        await cluster.StartApiAsync();
        await using var client = await PhoenixTestClient.ConnectAsync(Ws(node));
        await client.JoinAsync("room:failover");

        var stats = await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => s.GetProperty("cluster_size").GetInt32() == 1);
        Assert.Equal(1, TopicTotal(stats, "room:failover"));
    }

    [Fact]
    public async Task Sockets_on_several_nodes_are_counted_exactly_per_node_and_per_topic()
    {
        await using var cluster = await TestCluster.StartAsync();
        var a = await cluster.StartNodeAsync("node-a");
        var b = await cluster.StartNodeAsync("node-b");
        await cluster.StartApiAsync();

        await using var a1 = await PhoenixTestClient.ConnectAsync(Ws(a));
        await using var a2 = await PhoenixTestClient.ConnectAsync(Ws(a));
        await using var b1 = await PhoenixTestClient.ConnectAsync(Ws(b));
        await a1.JoinAsync("room:lobby");
        await a1.JoinAsync("room:x");
        await a2.JoinAsync("room:lobby");
        await b1.JoinAsync("room:lobby");

        var stats = await cluster.GetStatsAsync();
        Assert.Equal(4, stats.GetProperty("total_connections").GetInt64());
        Assert.Equal(3, stats.GetProperty("total_sockets").GetInt64());
        Assert.Equal(2, stats.GetProperty("cluster_size").GetInt32());
        Assert.False(stats.GetProperty("partial").GetBoolean());
        Assert.Equal(0, stats.GetProperty("missing_nodes").GetArrayLength());
        var lobby = stats.GetProperty("topics").GetProperty("room:lobby");
        Assert.Equal(3, lobby.GetProperty("total").GetInt64());
        Assert.Equal(2, lobby.GetProperty("nodes").GetProperty("node-a").GetInt64());
        Assert.Equal(1, lobby.GetProperty("nodes").GetProperty("node-b").GetInt64());
        Assert.Equal(3, stats.GetProperty("nodes").GetProperty("node-a").GetProperty("total").GetInt64());
        Assert.Equal(2, stats.GetProperty("nodes").GetProperty("node-a").GetProperty("sockets").GetInt64());

        var local = await a1.PushAsync("room:lobby", "get_connection_stats");
        Assert.Equal("ok", local.Status);
        var response = local.Response;
        Assert.Equal("node-a", response.GetProperty("node").GetString());
        Assert.Equal(3, response.GetProperty("total").GetInt64());
        Assert.Equal(2, response.GetProperty("sockets").GetInt64());
        Assert.Equal(2, response.GetProperty("connections").GetProperty("room:lobby").GetInt64());

        var clusterReply = await b1.PushAsync("room:lobby", "get_cluster_connection_stats");
        var clusterStats = clusterReply.Response;
        Assert.Equal(4, clusterStats.GetProperty("total_connections").GetInt64());
        Assert.Equal(2, clusterStats.GetProperty("cluster_size").GetInt32());
        Assert.Equal(1, clusterStats.GetProperty("topics").GetProperty("room:x").GetProperty("nodes").GetProperty("node-a").GetInt64());

        var topic = await cluster.GetStatsAsync("/api/stats/topics/room:lobby");
        Assert.Equal(3, topic.GetProperty("total").GetInt64());
        Assert.Equal(1, topic.GetProperty("nodes").GetProperty("node-b").GetInt64());

        var nodes = await cluster.GetStatsAsync("/api/stats/nodes");
        Assert.Equal(["node-a", "node-b"], nodes.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("node").GetString()));
        Assert.All(nodes.GetProperty("nodes").EnumerateArray(), n =>
        {
            Assert.Equal("ok", n.GetProperty("status").GetString());
            Assert.True(n.GetProperty("started_at").GetDateTimeOffset() <= n.GetProperty("last_seen").GetDateTimeOffset());
        });
    }

    [Fact]
    public async Task Users_are_counted_once_across_nodes_and_drop_exactly_as_they_leave()
    {
        await using var cluster = await TestCluster.StartAsync(new()
        {
            ["ConnCount__Auth__SigningKey"] = JoinTokens.SigningKey,
            ["ConnCount__Node__PresenceInterval"] = "00:00:00.200",
        });
        var a = await cluster.StartNodeAsync("node-a");
        var b = await cluster.StartNodeAsync("node-b");
        await cluster.StartApiAsync();
        var alice = JoinTokens.Issue(["*"], tenant: "acme", user: "alice");
        var bob = JoinTokens.Issue(["*"], tenant: "acme", user: "bob");

        // Alice on both nodes, twice on node-a; Bob on node-b; one socket without a token, which is no user.
        await using var aliceOnA = await PhoenixTestClient.ConnectAsync(Ws(a));
        await using var aliceAgainOnA = await PhoenixTestClient.ConnectAsync(Ws(a));
        await using var aliceOnB = await PhoenixTestClient.ConnectAsync(Ws(b));
        await using var bobOnB = await PhoenixTestClient.ConnectAsync(Ws(b));
        await using var anonymousOnB = await PhoenixTestClient.ConnectAsync(Ws(b));
        await using var watcher = await PhoenixTestClient.ConnectAsync(Ws(a));
        Assert.True((await aliceOnA.JoinAsync("room:users", new { token = alice })).IsOk);
        Assert.True((await aliceAgainOnA.JoinAsync("room:users", new { token = alice })).IsOk);
        Assert.True((await aliceOnB.JoinAsync("room:users", new { token = alice })).IsOk);
        Assert.True((await bobOnB.JoinAsync("room:users", new { token = bob })).IsOk);
        Assert.True((await bobOnB.JoinAsync("room:bob-only", new { token = bob })).IsOk);
        Assert.True((await anonymousOnB.JoinAsync("room:users")).IsOk);
        Assert.True((await watcher.JoinAsync("stats:room:users")).IsOk);

        var stats = await cluster.GetStatsAsync();
        Assert.Equal(5, TopicTotal(stats, "room:users"));
        Assert.Equal(2, TopicUsers(stats, "room:users"));
        Assert.Equal(1, TopicUsers(stats, "room:bob-only"));
        Assert.Equal(2, stats.GetProperty("users").GetInt64());
        Assert.Equal(1, NodeUsers(stats, "node-a"));
        Assert.Equal(2, NodeUsers(stats, "node-b"));
        Assert.False(stats.TryGetProperty("users_estimated", out _));

        var topic = await cluster.GetStatsAsync("/api/stats/topics/room:users");
        Assert.Equal(2, topic.GetProperty("users").GetInt64());
        var nodes = await cluster.GetStatsAsync("/api/stats/nodes");
        Assert.Equal([1, 2], nodes.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("users").GetInt64()));

        var usage = await cluster.GetStatsAsync("/api/stats/usage");
        Assert.Equal(2, usage.GetProperty("tenants").GetProperty("acme").GetProperty("users").GetInt64());

        // The channel events agree with REST, and show counts, never ids.
        var clusterReply = await anonymousOnB.PushAsync("room:users", "get_cluster_connection_stats");
        Assert.Equal(2, clusterReply.Response.GetProperty("users").GetInt64());
        Assert.Equal(2, TopicUsers(clusterReply.Response, "room:users"));
        Assert.Equal(2, NodeUsers(clusterReply.Response, "node-b"));
        var local = await anonymousOnB.PushAsync("room:users", "get_connection_stats");
        Assert.Equal(2, local.Response.GetProperty("users").GetInt64());
        Assert.Equal(2, local.Response.GetProperty("topic_users").GetProperty("room:users").GetInt64());
        Assert.Equal(1, local.Response.GetProperty("topic_users").GetProperty("room:bob-only").GetInt64());
        Assert.DoesNotContain("alice", clusterReply.Response.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("alice", local.Response.GetRawText(), StringComparison.Ordinal);
        await Eventually.MatchAsync(
            () => Task.FromResult(LastPushedUsers(watcher)),
            users => users == 2,
            because: "the stats:room:users push carries the topic's users");

        // Alice leaves one of her two memberships on node-a: still a user there.
        Assert.True((await aliceAgainOnA.LeaveAsync("room:users")).IsOk);
        stats = await cluster.GetStatsAsync();
        Assert.Equal(2, TopicUsers(stats, "room:users"));
        Assert.Equal(1, NodeUsers(stats, "node-a"));

        // Alice leaves node-b: she is still in the topic through node-a.
        Assert.True((await aliceOnB.LeaveAsync("room:users")).IsOk);
        stats = await cluster.GetStatsAsync();
        Assert.Equal(2, TopicUsers(stats, "room:users"));
        Assert.Equal(1, NodeUsers(stats, "node-b"));

        // Alice's last socket goes without a leave; then Bob leaves the shared topic but stays in his own.
        aliceOnA.Abort();
        Assert.True((await bobOnB.LeaveAsync("room:users")).IsOk);
        stats = await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => NodeUsers(s, "node-a") == 0, because: "the aborted socket's membership ends");
        Assert.Equal(0, TopicUsers(stats, "room:users"));
        Assert.Equal(1, TopicTotal(stats, "room:users"));
        Assert.Equal(1, stats.GetProperty("users").GetInt64());
        Assert.Equal(1, NodeUsers(stats, "node-b"));
        await Eventually.MatchAsync(
            () => Task.FromResult(LastPushedUsers(watcher)),
            users => users == 0,
            because: "the push follows the users down");
        clusterReply = await anonymousOnB.PushAsync("room:users", "get_cluster_connection_stats");
        Assert.Equal(1, clusterReply.Response.GetProperty("users").GetInt64());
        usage = await cluster.GetStatsAsync("/api/stats/usage");
        Assert.Equal(1, usage.GetProperty("tenants").GetProperty("acme").GetProperty("users").GetInt64());
        Assert.Equal(0, TopicUsers(clusterReply.Response, "room:users"));
    }

    [Fact]
    public async Task A_topic_with_more_users_than_a_node_lists_is_an_estimate_marked_as_one()
    {
        await using var cluster = await TestCluster.StartAsync(new()
        {
            ["ConnCount__Auth__SigningKey"] = JoinTokens.SigningKey,
            ["ConnCount__Stats__MaxExactUsersPerTopic"] = "2",
        });
        var node = await cluster.StartNodeAsync("node-a");
        await cluster.StartApiAsync();
        var sockets = new List<PhoenixTestClient>();
        foreach (var user in new[] { "alice", "bob", "carol" })
        {
            var socket = await PhoenixTestClient.ConnectAsync(Ws(node));
            sockets.Add(socket);
            Assert.True((await socket.JoinAsync("room:many", new { token = JoinTokens.Issue(["*"], user: user) })).IsOk);
        }

        Assert.True((await sockets[0].JoinAsync("room:few", new { token = JoinTokens.Issue(["*"], user: "alice") })).IsOk);

        var stats = await cluster.GetStatsAsync();
        var many = stats.GetProperty("topics").GetProperty("room:many");
        Assert.Equal(3, many.GetProperty("users").GetInt64());
        Assert.True(many.GetProperty("users_estimated").GetBoolean());
        Assert.Equal(0.008125, many.GetProperty("users_error").GetDouble());
        Assert.False(stats.GetProperty("topics").GetProperty("room:few").TryGetProperty("users_estimated", out _));
        Assert.True(stats.GetProperty("users_estimated").GetBoolean());
        Assert.True(stats.GetProperty("nodes").GetProperty("node-a").GetProperty("users_estimated").GetBoolean());
        var topic = await cluster.GetStatsAsync("/api/stats/topics/room:many");
        Assert.True(topic.GetProperty("users_estimated").GetBoolean());

        // The node's own answer counts its own users, exactly.
        var local = await sockets[0].PushAsync("room:many", "get_connection_stats");
        Assert.Equal(3, local.Response.GetProperty("users").GetInt64());
        Assert.False(local.Response.TryGetProperty("users_estimated", out _));

        foreach (var socket in sockets)
        {
            await socket.DisposeAsync();
        }
    }

    private static long TopicUsers(JsonElement stats, string topic) =>
        stats.GetProperty("topics").TryGetProperty(topic, out var t) ? t.GetProperty("users").GetInt64() : 0;

    private static long? LastPushedUsers(PhoenixTestClient watcher) =>
        watcher.Pushes.Where(p => p[3].GetString() == "connection_stats").Select(p => (long?)p[4].GetProperty("users").GetInt64()).LastOrDefault();

    private static long NodeUsers(JsonElement stats, string node) => stats.GetProperty("nodes").GetProperty(node).GetProperty("users").GetInt64();

    [Fact]
    public async Task Every_way_a_membership_ends_decrements_exactly_once()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a");
        await cluster.StartApiAsync();

        var leaver = await PhoenixTestClient.ConnectAsync(Ws(node));
        var closer = await PhoenixTestClient.ConnectAsync(Ws(node));
        var aborter = await PhoenixTestClient.ConnectAsync(Ws(node));
        await using var stayer = await PhoenixTestClient.ConnectAsync(Ws(node));
        foreach (var client in new[] { leaver, closer, aborter, stayer })
        {
            await client.JoinAsync("t");
            await client.JoinAsync("u");
        }

        Assert.Equal(4, TopicTotal(await cluster.GetStatsAsync(), "t"));

        var leave = await leaver.LeaveAsync("t");
        Assert.Equal("ok", leave.Status);
        var again = await leaver.LeaveAsync("t");
        Assert.Equal("unmatched topic", again.Response.GetProperty("reason").GetString());
        Assert.Equal(3, TopicTotal(await cluster.GetStatsAsync(), "t"));

        await closer.CloseAsync();
        aborter.Abort();

        var stats = await Eventually.MatchAsync(
            () => cluster.GetStatsAsync(),
            s => s.GetProperty("total_sockets").GetInt64() == 2,
            because: "closed and aborted sockets are released");
        Assert.Equal(1, TopicTotal(stats, "t"));
        Assert.Equal(2, TopicTotal(stats, "u"));
        Assert.Equal(3, stats.GetProperty("total_connections").GetInt64());

        await leaver.DisposeAsync();
        await closer.DisposeAsync();
        await aborter.DisposeAsync();
        stats = await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => s.GetProperty("total_sockets").GetInt64() == 1);
        Assert.Equal(1, TopicTotal(stats, "t"));
        Assert.Equal(1, TopicTotal(stats, "u"));
    }

    [Fact]
    public async Task A_second_join_of_the_same_topic_counts_once_and_closes_the_old_channel()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a");
        await using var client = await PhoenixTestClient.ConnectAsync(Ws(node));

        // Refs far above the client's own counter so the replies cannot be confused.
        await client.SendRawAsync("""["101","101","room","phx_join",{}]""", "101");
        var rejoin = await client.SendRawAsync("""["102","102","room","phx_join",{}]""", "102");

        Assert.Equal("ok", rejoin!.Status);
        Assert.Contains(client.Pushes, p => p[0].GetString() == "101" && p[3].GetString() == "phx_close");
        var stats = (await client.PushAsync("room", "get_connection_stats")).Response;
        Assert.Equal(1, stats.GetProperty("connections").GetProperty("room").GetInt64());
        Assert.Equal(1, stats.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task A_silent_socket_is_closed_at_the_idle_timeout_and_its_memberships_end()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", new() { ["ConnCount__Node__IdleTimeout"] = "00:00:02" });
        await using var silent = await PhoenixTestClient.ConnectAsync(Ws(node));
        await using var chatty = await PhoenixTestClient.ConnectAsync(Ws(node));
        await silent.JoinAsync("room");
        await chatty.JoinAsync("room");

        // The chatty socket heartbeats while the silent one says nothing.
        var watch = Stopwatch.StartNew();
        while (!silent.Closed.IsCompleted && watch.Elapsed < TimeSpan.FromSeconds(15))
        {
            await chatty.HeartbeatAsync();
            await Task.WhenAny(silent.Closed, Task.Delay(500));
        }

        Assert.True(silent.Closed.IsCompleted, "the idle socket was closed");
        Assert.Equal(WebSocketStateOpen, chatty.State);
        // The client can see the cut a moment before the node has finished ending the session.
        var stats = await Eventually.MatchAsync(
            async () => (await chatty.PushAsync("room", "get_connection_stats")).Response,
            s => s.GetProperty("sockets").GetInt64() == 1);
        Assert.Equal(1, stats.GetProperty("connections").GetProperty("room").GetInt64());
    }

    private const System.Net.WebSockets.WebSocketState WebSocketStateOpen = System.Net.WebSockets.WebSocketState.Open;

    [Fact]
    public async Task Zero_nodes_is_a_valid_empty_cluster()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.StartApiAsync();

        var stats = await cluster.GetStatsAsync();

        Assert.Equal(0, stats.GetProperty("cluster_size").GetInt32());
        Assert.Equal(0, stats.GetProperty("total_connections").GetInt64());
        Assert.False(stats.GetProperty("partial").GetBoolean());
    }

    [Fact]
    public async Task A_gather_ends_when_every_known_node_has_answered_not_at_the_timeout()
    {
        await using var cluster = await TestCluster.StartAsync(new() { ["ConnCount__Cluster__GatherTimeout"] = "00:00:20" });
        await cluster.StartNodeAsync("node-a");
        await cluster.StartNodeAsync("node-b");
        await cluster.StartApiAsync();
        await Eventually.MatchAsync(() => cluster.GetStatsAsync("/api/stats/nodes"), s => s.GetProperty("cluster_size").GetInt32() == 2);

        var watch = Stopwatch.StartNew();
        var stats = await cluster.GetStatsAsync();
        watch.Stop();

        Assert.Equal(2, stats.GetProperty("cluster_size").GetInt32());
        // Waiting out the 20 s timeout would take 20 s; answering when both nodes replied takes far less.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"gather took {watch.Elapsed}");
    }

    [Fact]
    public async Task A_gracefully_stopped_node_leaves_the_cluster_at_once()
    {
        await using var cluster = await TestCluster.StartAsync(new() { ["ConnCount__Cluster__NodeExpiry"] = "00:01:00" });
        var a = await cluster.StartNodeAsync("node-a");
        await cluster.StartNodeAsync("node-b");
        await cluster.StartApiAsync();
        await using var client = await PhoenixTestClient.ConnectAsync(Ws(a));
        await client.JoinAsync("room");
        await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => s.GetProperty("cluster_size").GetInt32() == 2);

        await cluster.Nodes["node-a"].Process.StopAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable, await client.Closed.WaitAsync(TimeSpan.FromSeconds(10)));
        // With a one-minute expiry only the goodbye can explain the node leaving the directory this fast.
        var stats = await Eventually.MatchAsync(
            () => cluster.GetStatsAsync(),
            s => s.GetProperty("cluster_size").GetInt32() == 1 && !s.GetProperty("partial").GetBoolean(),
            TimeSpan.FromSeconds(10));
        Assert.Equal(0, stats.GetProperty("total_connections").GetInt64());
        Assert.Equal(0, stats.GetProperty("missing_nodes").GetArrayLength());
    }

    [Fact]
    public async Task A_killed_node_is_reported_missing_then_dropped()
    {
        await using var cluster = await TestCluster.StartAsync(new() { ["ConnCount__Cluster__NodeExpiry"] = "00:00:04" });
        // A killed node stays missing until its sockets could no longer be open (its idle timeout and the close
        // grace after its last heartbeat): a short idle timeout brings that within the wait below.
        var a = await cluster.StartNodeAsync("node-a", new() { ["ConnCount__Node__IdleTimeout"] = "00:00:05" });
        var b = await cluster.StartNodeAsync("node-b");
        await cluster.StartApiAsync();
        await using var onA = await PhoenixTestClient.ConnectAsync(Ws(a));
        await using var onB = await PhoenixTestClient.ConnectAsync(Ws(b));
        await onA.JoinAsync("room");
        await onB.JoinAsync("room");
        await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => s.GetProperty("total_connections").GetInt64() == 2);

        cluster.Nodes["node-a"].Process.Kill();

        var partial = await cluster.GetStatsAsync();
        Assert.True(partial.GetProperty("partial").GetBoolean());
        Assert.Equal(["node-a"], partial.GetProperty("missing_nodes").EnumerateArray().Select(n => n.GetString()));
        Assert.Equal(1, partial.GetProperty("total_connections").GetInt64());
        Assert.Equal(1, partial.GetProperty("stale").GetProperty("node-a").GetProperty("total").GetInt64());

        var dropped = await Eventually.MatchAsync(
            () => cluster.GetStatsAsync(),
            s => !s.GetProperty("partial").GetBoolean(),
            TimeSpan.FromSeconds(15),
            "the killed node's linger passes");
        Assert.Equal(1, dropped.GetProperty("cluster_size").GetInt32());
        Assert.Equal(1, dropped.GetProperty("total_connections").GetInt64());
    }

    [Fact]
    public async Task With_nats_down_the_api_answers_503_quickly_and_recovers_when_nats_returns()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a");
        await cluster.StartApiAsync();
        await using var client = await PhoenixTestClient.ConnectAsync(Ws(node));
        await client.JoinAsync("room");

        cluster.Nats.Kill();

        using var down = await Eventually.MatchAsync(
            () => cluster.Api.GetAsync("/api/stats"),
            r => r.StatusCode == HttpStatusCode.ServiceUnavailable);
        Assert.Equal("application/problem+json", down.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(down.Headers.RetryAfter);

        // The node keeps counting without NATS.
        await using var late = await PhoenixTestClient.ConnectAsync(Ws(node));
        await late.JoinAsync("room");
        var clusterReply = await late.PushAsync("room", "get_cluster_connection_stats");
        Assert.Equal("cluster unavailable", clusterReply.Response.GetProperty("reason").GetString());

        await cluster.StartNatsAsync();

        var stats = await Eventually.MatchAsync(
            () => cluster.GetStatsAsync(),
            s => s.GetProperty("cluster_size").GetInt32() == 1,
            TimeSpan.FromSeconds(20),
            "everything reconnects by itself");
        Assert.Equal(2, stats.GetProperty("total_connections").GetInt64());
        Assert.False(cluster.Nodes["node-a"].Process.HasExited);
        Assert.False(cluster.ApiProcess!.HasExited);
    }

    [Fact]
    public async Task Rest_api_rejects_bad_input_with_problem_details()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.StartApiAsync();

        using var unknown = await cluster.Api.GetAsync("/api/stats/topics/nobody-here");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);

        using var tooLong = await cluster.Api.GetAsync("/api/stats/topics/" + new string('x', 300));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal("application/problem+json", tooLong.Content.Headers.ContentType?.MediaType);

        using var openApi = await cluster.Api.GetAsync("/openapi/v1.json");
        openApi.EnsureSuccessStatusCode();
        Assert.Contains("/api/stats/nodes", await openApi.Content.ReadAsStringAsync());
    }
}
