using System.Text.Json;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>Cluster-wide topic and tenant limits across three real nodes exchanging usage over NATS.</summary>
public class ClusterLimitTests
{
    private const int Nodes = 3;

    /// <summary>The documented worst-case overshoot: nodes − 1 joins per limited key (docs/protection.md, "Cluster-wide limits and their slack").</summary>
    private const int Slack = Nodes - 1;

    private static readonly Dictionary<string, string> Limits = new()
    {
        ["ConnCount__Limits__Topics__0__Pattern"] = "limited:*",
        ["ConnCount__Limits__Topics__0__MaxJoins"] = "12",
        ["ConnCount__Limits__Plans__free"] = "5",
        ["ConnCount__Auth__SigningKey"] = JoinTokens.SigningKey,
        ["ConnCount__RateLimits__JoinsPerSecondPerSocket"] = "1000",
    };

    private static async Task<List<PhoenixTestClient>> ConnectSpreadAsync(TestCluster cluster, int count)
    {
        var uris = cluster.Nodes.Values.Select(n => PhoenixTestClient.WebSocketUri(n.Uri)).ToArray();
        var clients = new List<PhoenixTestClient>();
        for (var i = 0; i < count; i++)
        {
            clients.Add(await PhoenixTestClient.ConnectAsync(uris[i % uris.Length]));
        }

        return clients;
    }

    private static async Task<TestCluster> StartAsync()
    {
        var cluster = await TestCluster.StartAsync(Limits);
        for (var i = 0; i < Nodes; i++)
        {
            await cluster.StartNodeAsync($"node-{i}");
        }

        await cluster.StartApiAsync();
        await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => s.GetProperty("cluster_size").GetInt32() == Nodes);
        // Let every node hear the others' usage once, so each knows the cluster has three nodes.
        await Task.Delay(TimeSpan.FromSeconds(1));
        return cluster;
    }

    [Fact]
    public async Task A_topic_limit_holds_across_nodes_within_the_documented_slack()
    {
        await using var cluster = await StartAsync();
        var clients = await ConnectSpreadAsync(cluster, 30);

        // Everyone joins at once, on all three nodes.
        var replies = await Task.WhenAll(clients.Select(c => c.JoinAsync("limited:a")));
        var accepted = replies.Count(r => r.IsOk);
        Assert.All(replies.Where(r => !r.IsOk), r => Assert.Equal("topic limit reached", r.Response.GetProperty("reason").GetString()));
        Assert.InRange(accepted, 1, 12 + Slack);

        // Refused clients retry slowly; the topic fills up to its limit and never beyond the slack.
        var refused = clients.Where((_, i) => !replies[i].IsOk).ToList();
        foreach (var client in refused)
        {
            if ((await client.JoinAsync("limited:a")).IsOk)
            {
                accepted++;
            }

            await Task.Delay(100);
        }

        Assert.InRange(accepted, 12, 12 + Slack);
        var stats = await cluster.GetStatsAsync();
        Assert.Equal(accepted, stats.GetProperty("topics").GetProperty("limited:a").GetProperty("total").GetInt64());

        // Topics outside the pattern are not limited, and each limited topic has its own limit.
        Assert.True((await clients[0].JoinAsync("open")).IsOk);
        Assert.True((await clients[29].JoinAsync("limited:b")).IsOk);

        // A leave frees room: after the usage syncs, a refused client gets in.
        var member = clients.First(c => !refused.Contains(c));
        Assert.True((await member.LeaveAsync("limited:a")).IsOk);
        if (accepted <= 12)
        {
            var newcomer = refused.First();
            await Eventually.MatchAsync(() => newcomer.JoinAsync("limited:a"), r => r.IsOk, TimeSpan.FromSeconds(10));
        }
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_tenant_plan_limit_holds_across_nodes_and_other_tenants_are_unaffected()
    {
        await using var cluster = await StartAsync();
        var clients = await ConnectSpreadAsync(cluster, 12);
        var acme = JoinTokens.Issue(["*"], tenant: "acme", plan: "free");
        var globex = JoinTokens.Issue(["*"], tenant: "globex", plan: "free");

        var replies = await Task.WhenAll(clients.Take(10).Select((c, i) => c.JoinAsync($"room:{i}", new { token = acme })));
        var accepted = replies.Count(r => r.IsOk);
        Assert.All(replies.Where(r => !r.IsOk), r => Assert.Equal("tenant limit reached", r.Response.GetProperty("reason").GetString()));
        Assert.InRange(accepted, 1, 5 + Slack);

        // A node that heard the others' counts late is stricter for a round (fail closed, docs/protection.md), so on a
        // loaded machine the first try may be refused; acme's usage must not keep globex out.
        await Eventually.MatchAsync(() => clients[10].JoinAsync("room:g", new { token = globex }), r => r.IsOk, TimeSpan.FromSeconds(10));
        var anonymous = await clients[11].JoinAsync("room:anonymous");
        Assert.True(anonymous.IsOk, $"a join without a tenant was refused: {anonymous.Response}");

        var stats = await cluster.GetStatsAsync();
        Assert.Equal(accepted + 2, stats.GetProperty("total_connections").GetInt64());
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_user_is_held_to_the_per_user_limit_across_nodes_and_other_users_are_unaffected()
    {
        var settings = new Dictionary<string, string>(Limits) { ["ConnCount__Limits__MaxJoinsPerUser"] = "2" };
        await using var cluster = await TestCluster.StartAsync(settings);
        for (var i = 0; i < Nodes; i++)
        {
            await cluster.StartNodeAsync($"node-{i}");
        }

        await cluster.StartApiAsync();
        await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => s.GetProperty("cluster_size").GetInt32() == Nodes);
        await Task.Delay(TimeSpan.FromSeconds(1));
        var clients = await ConnectSpreadAsync(cluster, 8);
        var ada = JoinTokens.Issue(["*"], user: "ada");

        // One join after another, two on each node: the limit holds within the documented slack.
        var outcomes = new List<PhoenixReply>();
        for (var i = 0; i < 6; i++)
        {
            outcomes.Add(await clients[i].JoinAsync($"room:{i}", new { token = ada }));
        }

        var accepted = outcomes.Count(r => r.IsOk);
        Assert.InRange(accepted, 2, 2 + Slack);
        Assert.All(outcomes.Where(r => !r.IsOk), r => Assert.Equal("user limit reached", r.Reason));
        Assert.True((await clients[6].JoinAsync("room:bob", new { token = JoinTokens.Issue(["*"], user: "bob") })).IsOk);
        Assert.True((await clients[7].JoinAsync("room:anonymous")).IsOk);

        // Leaves free room for ada on any node.
        var refused = Enumerable.Range(0, 6).Where(i => !outcomes[i].IsOk).ToList();
        foreach (var i in Enumerable.Range(0, 6).Where(i => outcomes[i].IsOk))
        {
            Assert.True((await clients[i].LeaveAsync($"room:{i}")).IsOk);
        }

        var newcomer = refused[^1];
        await Eventually.MatchAsync(() => clients[newcomer].JoinAsync($"room:{newcomer}", new { token = ada }), r => r.IsOk, TimeSpan.FromSeconds(10));

        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }
}
