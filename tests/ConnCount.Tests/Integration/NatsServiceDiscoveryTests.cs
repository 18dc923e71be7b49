using System.Text.Json;
using ConnCount.Tests.Infrastructure;
using NATS.Client.Core;

namespace ConnCount.Tests.Integration;

public class NatsServiceDiscoveryTests
{
    private static async Task<List<JsonElement>> AskAllAsync(NatsConnection nats, string subject, int expected)
    {
        var replies = new List<JsonElement>();
        await foreach (var msg in nats.RequestManyAsync<object?, byte[]>(subject, null, replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(5), MaxMsgs = expected }))
        {
            replies.Add(JsonDocument.Parse(msg.Data!).RootElement.Clone());
        }

        return replies;
    }

    [Fact]
    public async Task Every_node_answers_the_nats_micro_ping_info_and_stats_requests()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.StartNodeAsync("node-a");
        await cluster.StartNodeAsync("node-b");
        await using var nats = new NatsConnection(new NatsOpts { Url = cluster.NatsUrl });

        var pings = await Eventually.MatchAsync(() => AskAllAsync(nats, "$SRV.PING.conncount-node", 2), r => r.Count == 2);
        Assert.Equal(["node-a", "node-b"], pings.Select(p => p.GetProperty("metadata").GetProperty("node").GetString()).Order());
        Assert.All(pings, p => Assert.Equal("conncount-node", p.GetProperty("name").GetString()));

        var infos = await AskAllAsync(nats, "$SRV.INFO.conncount-node", 2);
        Assert.Contains(infos, i => i.GetProperty("endpoints")[0].GetProperty("subject").GetString() == "conncount.v1.nodes.node-a.stats");

        var stats = await AskAllAsync(nats, "$SRV.STATS.conncount-node", 2);
        Assert.Equal(2, stats.Count);

        var reply = await nats.RequestAsync<object?, byte[]>("conncount.v1.nodes.node-b.stats", null);
        Assert.Equal("node-b", JsonDocument.Parse(reply.Data!).RootElement.GetProperty("node").GetString());
    }
}
