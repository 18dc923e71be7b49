using System.Net;
using System.Net.WebSockets;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

public class DrainAndMonitoringTests
{
    private static Uri Ws(Uri http) => PhoenixTestClient.WebSocketUri(http);

    [Fact]
    public async Task Draining_closes_sockets_with_1001_refuses_new_ones_and_shows_in_cluster_stats()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", new() { ["ConnCount__Node__AdminKey"] = "admin-secret" });
        await cluster.StartApiAsync();
        var client = await PhoenixTestClient.ConnectAsync(Ws(node));
        await client.JoinAsync("room");
        using var admin = new HttpClient { BaseAddress = node };
        admin.DefaultRequestHeaders.Add("X-Admin-Key", "admin-secret");

        using var drain = await admin.PostAsync("/admin/drain", null);

        drain.EnsureSuccessStatusCode();
        using (var answer = System.Text.Json.JsonDocument.Parse(await drain.Content.ReadAsStringAsync()))
        {
            Assert.Equal("node-a", answer.RootElement.GetProperty("node").GetString());
            Assert.True(answer.RootElement.GetProperty("draining").GetBoolean());
            Assert.Equal(1, answer.RootElement.GetProperty("sockets_closed").GetInt32());
        }

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await client.Closed.WaitAsync(TimeSpan.FromSeconds(10)));
        var (refused, status) = await PhoenixTestClient.TryConnectAsync(Ws(node));
        Assert.Null(refused);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        var stats = await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => s.GetProperty("total_sockets").GetInt64() == 0);
        Assert.True(stats.GetProperty("nodes").GetProperty("node-a").GetProperty("draining").GetBoolean());
        Assert.Equal(0, stats.GetProperty("total_connections").GetInt64());

        using var resume = await admin.DeleteAsync("/admin/drain");
        resume.EnsureSuccessStatusCode();
        await using var again = await PhoenixTestClient.ConnectAsync(Ws(node));
        Assert.Equal("ok", (await again.JoinAsync("room")).Status);
        await client.DisposeAsync();
    }

    [Fact]
    public async Task Drain_needs_the_admin_key_when_one_is_configured()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", new() { ["ConnCount__Node__AdminKey"] = "admin-secret" });
        using var admin = new HttpClient { BaseAddress = node };

        using var without = await admin.PostAsync("/admin/drain", null);
        Assert.Equal(HttpStatusCode.Forbidden, without.StatusCode);
        await using var stillOpen = await PhoenixTestClient.ConnectAsync(Ws(node));

        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/drain");
        request.Headers.Add("X-Admin-Key", "admin-secret");
        using var with = await admin.SendAsync(request);
        with.EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task Monitoring_info_shows_identity_limits_and_counts()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", new()
        {
            ["ConnCount__Limits__MaxSocketsPerNode"] = "77",
            ["ConnCount__Limits__Topics__0__Pattern"] = "room:*",
            ["ConnCount__Limits__Topics__0__MaxJoins"] = "500",
            ["ConnCount__Auth__ProtectedTopics__0"] = "private:*",
            ["ConnCount__Auth__SigningKey"] = JoinTokens.SigningKey,
        });
        await using var client = await PhoenixTestClient.ConnectAsync(Ws(node));
        // The protected patterns are shown to the stats grant only (an exact pattern would name a protected topic).
        await client.JoinAsync("room:1", new { token = JoinTokens.Issue([], stats: true) });

        var info = (await client.PushAsync("room:1", "get_monitoring_info")).Response;

        Assert.Equal("node-a", info.GetProperty("node").GetString());
        Assert.False(string.IsNullOrEmpty(info.GetProperty("version").GetString()));
        Assert.True(info.GetProperty("uptime_seconds").GetDouble() > 0);
        var limits = info.GetProperty("limits");
        Assert.Equal(77, limits.GetProperty("max_sockets_per_node").GetInt32());
        Assert.Equal(100, limits.GetProperty("max_channels_per_socket").GetInt32());
        Assert.Equal(60, limits.GetProperty("idle_timeout_seconds").GetDouble());
        Assert.Equal(500, limits.GetProperty("topic_limits").GetProperty("room:*").GetInt64());
        Assert.Equal("private:*", limits.GetProperty("protected_topics")[0].GetString());
        Assert.Equal(1, info.GetProperty("total").GetInt64());
        Assert.Equal(1, info.GetProperty("sockets").GetInt64());
        Assert.False(info.GetProperty("draining").GetBoolean());
    }
}
