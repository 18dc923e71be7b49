using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>The autoscaler endpoint over real nodes and sockets.</summary>
public class StatsApiScaleTests
{
    private static Uri Ws(Uri http) => PhoenixTestClient.WebSocketUri(http);

    [Fact]
    public async Task Desired_replicas_are_the_sockets_over_the_target_rounded_up()
    {
        // A long expiry keeps a killed node in the directory, so the gather reports it missing.
        await using var cluster = await TestCluster.StartAsync(new() { ["ConnCount__Cluster__NodeExpiry"] = "00:01:00" });
        var a = await cluster.StartNodeAsync("node-a");
        var b = await cluster.StartNodeAsync("node-b");
        await cluster.StartApiAsync(new() { ["ConnCount__Scale__TargetSocketsPerNode"] = "4" });
        var clients = new List<PhoenixTestClient>();
        try
        {
            foreach (var node in new[] { a, a, a, b, b })
            {
                clients.Add(await PhoenixTestClient.ConnectAsync(Ws(node)));
            }

            var configured = await Eventually.MatchAsync(
                () => cluster.GetStatsAsync("/api/stats/scale"),
                s => s.GetProperty("sockets").GetInt64() == 5 && s.GetProperty("nodes").GetInt32() == 2);
            Assert.Equal(4, configured.GetProperty("target_per_node").GetInt32());
            Assert.Equal(2, configured.GetProperty("desired_replicas").GetInt64());
            Assert.Equal(0.625, configured.GetProperty("load_ratio").GetDouble());
            Assert.False(configured.GetProperty("partial").GetBoolean());

            var asked = await cluster.GetStatsAsync("/api/stats/scale?target_per_node=2");
            Assert.Equal(2, asked.GetProperty("target_per_node").GetInt32());
            Assert.Equal(3, asked.GetProperty("desired_replicas").GetInt64());
            Assert.Equal(1.25, asked.GetProperty("load_ratio").GetDouble());

            var roomy = await cluster.GetStatsAsync("/api/stats/scale?target_per_node=5000");
            Assert.Equal(1, roomy.GetProperty("desired_replicas").GetInt64());
            Assert.Equal(0.0005, roomy.GetProperty("load_ratio").GetDouble());

            // A node that stops answering keeps its last-known sockets in the count: no scale-in on a failure.
            cluster.Nodes["node-b"].Process.Kill();
            var partial = await Eventually.MatchAsync(
                () => cluster.GetStatsAsync("/api/stats/scale?target_per_node=2"),
                s => s.GetProperty("partial").GetBoolean());
            Assert.Equal(5, partial.GetProperty("sockets").GetInt64());
            Assert.Equal(2, partial.GetProperty("missing_sockets").GetInt64());
            Assert.Equal(1, partial.GetProperty("nodes").GetInt32());
            Assert.Equal(3, partial.GetProperty("desired_replicas").GetInt64());
            Assert.Equal(2.5, partial.GetProperty("load_ratio").GetDouble());
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task An_empty_cluster_still_wants_one_replica_and_bad_targets_answer_400()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.StartApiAsync();

        var empty = await cluster.GetStatsAsync("/api/stats/scale");
        Assert.Equal(0, empty.GetProperty("sockets").GetInt64());
        Assert.Equal(0, empty.GetProperty("nodes").GetInt32());
        Assert.Equal(5000, empty.GetProperty("target_per_node").GetInt32());
        Assert.Equal(1, empty.GetProperty("desired_replicas").GetInt64());
        Assert.Equal(0, empty.GetProperty("load_ratio").GetDouble());

        foreach (var bad in new[] { "0", "-1", "abc", "1.5", "10000001" })
        {
            using var response = await cluster.Api.GetAsync("/api/stats/scale?target_per_node=" + bad);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{bad}: {response.StatusCode}");
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(problem.GetProperty("errors").TryGetProperty("target_per_node", out _), problem.ToString());
        }
    }

    [Fact]
    public async Task A_target_of_zero_in_configuration_stops_the_start()
    {
        await using var cluster = await TestCluster.StartAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(
            () => cluster.StartApiAsync(new() { ["ConnCount__Scale__TargetSocketsPerNode"] = "0" }));
        await Eventually.MatchAsync(
            () => Task.FromResult(cluster.ApiProcess!.Output),
            output => output.Contains("TargetSocketsPerNode", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5),
            "the process names the bad setting");
    }
}
