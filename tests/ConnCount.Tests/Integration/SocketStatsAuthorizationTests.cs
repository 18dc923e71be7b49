using System.Text.Json;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>
/// What a socket may see (docs/protection.md, "What a socket may see"): every stats path of a socket, asked by an
/// anonymous socket, one holding a token for one protected topic, and one holding the stats grant.
/// </summary>
public class SocketStatsAuthorizationTests
{
    private const string Secret = "private:acme-merger";
    private const string Other = "private:globex-layoffs";

    private static Uri Ws(Uri http) => PhoenixTestClient.WebSocketUri(http);

    private static Dictionary<string, string> Protected(string socketStats = "Open") => new()
    {
        ["ConnCount__Auth__ProtectedTopics__0"] = "private:*",
        ["ConnCount__Auth__SigningKey"] = JoinTokens.SigningKey,
        ["ConnCount__Auth__SocketStats"] = socketStats,
        ["ConnCount__Node__PresenceInterval"] = "00:00:00.200",
    };

    private static async Task<JsonElement> OkAsync(PhoenixTestClient client, string topic, string evt)
    {
        var reply = await client.PushAsync(topic, evt);
        Assert.True(reply.Reason is null, $"{evt}: {reply}");
        return reply.Response;
    }

    private static async Task<PhoenixTestClient> OwnerAsync(Uri node, string topic, string tenant)
    {
        var owner = await PhoenixTestClient.ConnectAsync(Ws(node));
        Assert.Null((await owner.JoinAsync(topic, new { token = JoinTokens.Issue([topic], tenant: tenant) })).Reason);
        return owner;
    }

    /// <summary>A two-node cluster where owners sit in two protected topics and one open topic on each node.</summary>
    private static async Task<(TestCluster Cluster, Uri A, List<PhoenixTestClient> Owners)> StartAsync(string socketStats = "Open")
    {
        var cluster = await TestCluster.StartAsync(Protected(socketStats));
        var a = await cluster.StartNodeAsync("node-a");
        var b = await cluster.StartNodeAsync("node-b");
        var owners = new List<PhoenixTestClient>
        {
            await OwnerAsync(a, Secret, "acme"),
            await OwnerAsync(b, Secret, "acme"),
            await OwnerAsync(b, Other, "globex"),
        };
        await owners[2].JoinAsync("room:x");
        return (cluster, a, owners);
    }

    private static void AssertHides(JsonElement view, params string[] names)
    {
        var text = view.GetRawText();
        foreach (var name in names)
        {
            Assert.DoesNotContain(name, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_anonymous_socket_sees_no_protected_topic_on_any_stats_path()
    {
        var (cluster, a, owners) = await StartAsync();
        await using var running = cluster;
        await using var anonymous = await PhoenixTestClient.ConnectAsync(Ws(a));
        Assert.Equal("unauthorized", (await anonymous.JoinAsync(Secret)).Reason);
        Assert.Null((await anonymous.JoinAsync("room:x")).Reason);

        var node = await OkAsync(anonymous, "room:x", "get_connection_stats");
        AssertHides(node, "private:", "acme", "globex");
        Assert.Equal(1, node.GetProperty("total").GetInt64()); // room:x only; the owner's protected join is not in it
        Assert.Equal(2, node.GetProperty("sockets").GetInt64());

        var clusterView = await Eventually.MatchAsync(
            () => OkAsync(anonymous, "room:x", "get_cluster_connection_stats"),
            s => s.GetProperty("cluster_size").GetInt32() == 2);
        AssertHides(clusterView, "private:", "acme", "globex");
        Assert.Equal(2, clusterView.GetProperty("total_connections").GetInt64());
        Assert.Equal(2, clusterView.GetProperty("topics").GetProperty("room:x").GetProperty("total").GetInt64());
        Assert.Equal(1, clusterView.GetProperty("nodes").GetProperty("node-b").GetProperty("total").GetInt64());

        var monitoring = await OkAsync(anonymous, "room:x", "get_monitoring_info");
        AssertHides(monitoring, "private:");

        Assert.Equal("unauthorized", (await anonymous.PushAsync("room:x", "get_usage_stats")).Reason);
        Assert.Equal("unauthorized", (await anonymous.JoinAsync("stats:" + Secret)).Reason);
        Assert.Equal("unauthorized", (await anonymous.JoinAsync("stats:stats:" + Secret)).Reason);

        // The cluster view it may watch is pushed without the protected topics.
        Assert.Null((await anonymous.JoinAsync("stats:cluster")).Reason);
        var push = await Eventually.MatchAsync(
            () => Task.FromResult(anonymous.Pushes.LastOrDefault(p => p[2].GetString() == "stats:cluster" && p[4].GetProperty("cluster_size").GetInt32() == 2)),
            p => p.ValueKind != JsonValueKind.Undefined);
        AssertHides(push[4], "private:", "acme", "globex");

        foreach (var owner in owners)
        {
            await owner.DisposeAsync();
        }
    }

    [Fact]
    public async Task Users_of_a_protected_topic_count_only_where_the_topic_is_shown()
    {
        await using var cluster = await TestCluster.StartAsync(Protected());
        var a = await cluster.StartNodeAsync("node-a");
        var b = await cluster.StartNodeAsync("node-b");

        // Carol is only in the protected topic; Alice is in an open topic on node-a and in the protected one on node-b.
        await using var carol = await PhoenixTestClient.ConnectAsync(Ws(a));
        await using var aliceOpen = await PhoenixTestClient.ConnectAsync(Ws(a));
        await using var aliceSecret = await PhoenixTestClient.ConnectAsync(Ws(b));
        Assert.Null((await carol.JoinAsync(Secret, new { token = JoinTokens.Issue([Secret], user: "carol") })).Reason);
        Assert.Null((await aliceOpen.JoinAsync("room:x", new { token = JoinTokens.Issue([], user: "alice") })).Reason);
        Assert.Null((await aliceSecret.JoinAsync(Secret, new { token = JoinTokens.Issue([Secret], user: "alice") })).Reason);

        await using var anonymous = await PhoenixTestClient.ConnectAsync(Ws(a));
        Assert.Null((await anonymous.JoinAsync("room:x")).Reason);
        var hidden = await Eventually.MatchAsync(
            () => OkAsync(anonymous, "room:x", "get_cluster_connection_stats"),
            s => s.GetProperty("cluster_size").GetInt32() == 2);
        Assert.Equal(1, hidden.GetProperty("users").GetInt64());
        Assert.Equal(1, hidden.GetProperty("nodes").GetProperty("node-a").GetProperty("users").GetInt64());
        Assert.Equal(0, hidden.GetProperty("nodes").GetProperty("node-b").GetProperty("users").GetInt64());
        AssertHides(hidden, "private:", "carol", "alice");
        var node = await OkAsync(anonymous, "room:x", "get_connection_stats");
        Assert.Equal(1, node.GetProperty("users").GetInt64());
        AssertHides(node, "private:", "carol", "alice");

        await using var holder = await PhoenixTestClient.ConnectAsync(Ws(a));
        Assert.Null((await holder.JoinAsync("room:x", new { token = JoinTokens.Issue([Secret]) })).Reason);
        var shown = await OkAsync(holder, "room:x", "get_cluster_connection_stats");
        Assert.Equal(2, shown.GetProperty("users").GetInt64());
        Assert.Equal(2, shown.GetProperty("topics").GetProperty(Secret).GetProperty("users").GetInt64());
        Assert.Equal(1, shown.GetProperty("nodes").GetProperty("node-b").GetProperty("users").GetInt64());
        AssertHides(shown, "carol", "alice");
        node = await OkAsync(holder, "room:x", "get_connection_stats");
        Assert.Equal(2, node.GetProperty("users").GetInt64());
        Assert.Equal(1, node.GetProperty("topic_users").GetProperty(Secret).GetInt64());
    }

    [Fact]
    public async Task A_token_for_one_protected_topic_shows_that_topic_and_no_other()
    {
        var (cluster, a, owners) = await StartAsync();
        await using var running = cluster;
        await using var holder = await PhoenixTestClient.ConnectAsync(Ws(a));
        var token = JoinTokens.Issue([Secret], tenant: "acme");
        Assert.Null((await holder.JoinAsync("room:x", new { token })).Reason);

        var clusterView = await Eventually.MatchAsync(
            () => OkAsync(holder, "room:x", "get_cluster_connection_stats"),
            s => s.GetProperty("cluster_size").GetInt32() == 2);
        Assert.Equal(2, clusterView.GetProperty("topics").GetProperty(Secret).GetProperty("total").GetInt64());
        AssertHides(clusterView, Other, "globex");
        Assert.Equal(4, clusterView.GetProperty("total_connections").GetInt64()); // room:x twice, the secret twice

        var node = await OkAsync(holder, "room:x", "get_connection_stats");
        Assert.Equal(1, node.GetProperty("connections").GetProperty(Secret).GetInt64());

        // Watching needs what joining needs: its own topic, yes; the other protected topic, no.
        Assert.Null((await holder.JoinAsync("stats:" + Secret)).Reason);
        Assert.Equal("unauthorized", (await holder.JoinAsync("stats:" + Other)).Reason);
        var push = await Eventually.MatchAsync(
            () => Task.FromResult(holder.Pushes.LastOrDefault(p => p[2].GetString() == "stats:" + Secret)),
            p => p.ValueKind != JsonValueKind.Undefined && p[4].GetProperty("total").GetInt64() == 2);
        Assert.Equal(Secret, push[4].GetProperty("topic").GetString());

        // Usage carries tenants and cannot be split: it needs the stats grant.
        Assert.Equal("unauthorized", (await holder.PushAsync("room:x", "get_usage_stats")).Reason);

        foreach (var owner in owners)
        {
            await owner.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_stats_grant_shows_every_topic_tenant_and_usage()
    {
        var (cluster, a, owners) = await StartAsync();
        await using var running = cluster;
        await using var operatorSocket = await PhoenixTestClient.ConnectAsync(Ws(a));
        Assert.Null((await operatorSocket.JoinAsync("room:ops", new { token = JoinTokens.Issue([], stats: true) })).Reason);

        var clusterView = await Eventually.MatchAsync(
            () => OkAsync(operatorSocket, "room:ops", "get_cluster_connection_stats"),
            s => s.GetProperty("cluster_size").GetInt32() == 2);
        Assert.Equal(2, clusterView.GetProperty("topics").GetProperty(Secret).GetProperty("total").GetInt64());
        Assert.Equal(1, clusterView.GetProperty("topics").GetProperty(Other).GetProperty("total").GetInt64());
        Assert.Equal(5, clusterView.GetProperty("total_connections").GetInt64());

        var usage = await Eventually.MatchAsync(
            () => OkAsync(operatorSocket, "room:ops", "get_usage_stats"),
            u => u.GetProperty("cluster_size").GetInt32() == 2);
        Assert.True(usage.GetProperty("tenants").TryGetProperty("acme", out _), usage.GetRawText());
        Assert.Contains("private:*", (await OkAsync(operatorSocket, "room:ops", "get_monitoring_info")).GetRawText(), StringComparison.Ordinal);

        // The grant watches any topic but joins none that is protected.
        Assert.Null((await operatorSocket.JoinAsync("stats:" + Other)).Reason);
        Assert.Equal("unauthorized", (await operatorSocket.JoinAsync(Other)).Reason);

        foreach (var owner in owners)
        {
            await owner.DisposeAsync();
        }
    }

    [Fact]
    public async Task With_granted_socket_stats_only_the_stats_grant_reads_the_cross_topic_views()
    {
        var (cluster, a, owners) = await StartAsync(socketStats: "Granted");
        await using var running = cluster;
        await using var anonymous = await PhoenixTestClient.ConnectAsync(Ws(a));
        Assert.Null((await anonymous.JoinAsync("room:x")).Reason);
        foreach (var evt in new[] { "get_connection_stats", "get_cluster_connection_stats", "get_monitoring_info", "get_usage_stats" })
        {
            Assert.Equal("unauthorized", (await anonymous.PushAsync("room:x", evt)).Reason);
        }

        Assert.Equal("unauthorized", (await anonymous.JoinAsync("stats:cluster")).Reason);
        // One topic's presence is not a cross-topic view: an open topic can still be watched.
        Assert.Null((await anonymous.JoinAsync("stats:room:x")).Reason);

        await using var granted = await PhoenixTestClient.ConnectAsync(Ws(a));
        Assert.Null((await granted.JoinAsync("stats:cluster", new { token = JoinTokens.Issue([], stats: true) })).Reason);
        Assert.Null((await granted.PushAsync("stats:cluster", "get_cluster_connection_stats")).Reason);

        foreach (var owner in owners)
        {
            await owner.DisposeAsync();
        }
    }
}
