using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>Capacity, rate limits, join tokens and origins, against real node processes.</summary>
public class ProtectionTests
{
    private static Uri Ws(Uri http) => PhoenixTestClient.WebSocketUri(http);

    private static async Task<JsonElement> LocalStatsAsync(PhoenixTestClient client, string joinedTopic) =>
        (await client.PushAsync(joinedTopic, "get_connection_stats")).Response;

    [Fact]
    public async Task Upgrades_over_the_node_socket_limit_get_503_with_retry_after_and_allocate_nothing()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", new() { ["ConnCount__Limits__MaxSocketsPerNode"] = "3" });
        var clients = new List<PhoenixTestClient>();
        for (var i = 0; i < 3; i++)
        {
            clients.Add(await PhoenixTestClient.ConnectAsync(Ws(node)));
        }

        var (refused, status) = await PhoenixTestClient.TryConnectAsync(Ws(node));
        Assert.Null(refused);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        using (var http = new HttpClient())
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(node, "/socket/websocket"));
            request.Headers.Add("Connection", "Upgrade");
            request.Headers.Add("Upgrade", "websocket");
            request.Headers.Add("Sec-WebSocket-Version", "13");
            request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(new byte[16]));
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.NotNull(response.Headers.RetryAfter);
        }

        await clients[0].JoinAsync("room");
        var stats = await LocalStatsAsync(clients[0], "room");
        Assert.Equal(3, stats.GetProperty("sockets").GetInt64());

        await clients[1].DisposeAsync();
        await using var later = await Eventually.MatchAsync(
            async () => (await PhoenixTestClient.TryConnectAsync(Ws(node))).Client,
            c => c is not null,
            because: "a freed slot is reusable");
        Assert.Equal(3, (await LocalStatsAsync(clients[0], "room")).GetProperty("sockets").GetInt64());
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_socket_cannot_join_more_topics_than_the_channel_limit()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", new() { ["ConnCount__Node__MaxChannelsPerSocket"] = "2" });
        await using var client = await PhoenixTestClient.ConnectAsync(Ws(node));

        Assert.Null((await client.JoinAsync("a")).Reason);
        Assert.Null((await client.JoinAsync("b")).Reason);
        Assert.Equal("too many channels joined", (await client.JoinAsync("c")).Reason);
        // Rejoining a joined topic is not a new channel.
        Assert.Null((await client.JoinAsync("a")).Reason);

        var stats = await LocalStatsAsync(client, "a");
        Assert.Equal(2, stats.GetProperty("total").GetInt64());
        Assert.False(stats.GetProperty("connections").TryGetProperty("c", out _));
    }

    [Fact]
    public async Task Connection_floods_from_one_address_get_429_while_other_addresses_connect()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", new() { ["ConnCount__RateLimits__ConnectionsPerSecondPerIp"] = "5" });
        var flooder = IPAddress.Parse("127.0.0.2");
        var clients = new List<PhoenixTestClient>();
        var refusals = await PhoenixTestClient.ConnectManyAsync(20, _ => PhoenixTestClient.TryConnectAsync(Ws(node), flooder), clients);

        Assert.NotEmpty(refusals);
        Assert.All(refusals, s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
        var (other, otherStatus) = await PhoenixTestClient.TryConnectAsync(Ws(node), IPAddress.Parse("127.0.0.3"));
        Assert.NotNull(other);
        await using (other)
        {
            await other!.JoinAsync("room");
            var stats = await LocalStatsAsync(other, "room");
            Assert.Equal(clients.Count + 1, stats.GetProperty("sockets").GetInt64());
        }

        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task Node_wide_connection_rate_refuses_with_429()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", new() { ["ConnCount__RateLimits__ConnectionsPerSecondPerNode"] = "5" });
        var statuses = new List<HttpStatusCode?>();
        var clients = new List<PhoenixTestClient>();
        for (var i = 0; i < 20; i++)
        {
            // Several source addresses: the per-IP limit is not what refuses them.
            var (client, status) = await PhoenixTestClient.TryConnectAsync(Ws(node), IPAddress.Parse($"127.0.0.{2 + (i % 10)}"));
            if (client is null)
            {
                statuses.Add(status);
            }
            else
            {
                clients.Add(client);
            }
        }

        Assert.NotEmpty(statuses);
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task Join_floods_on_one_socket_are_refused_and_other_sockets_are_unaffected()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", new() { ["ConnCount__RateLimits__JoinsPerSecondPerSocket"] = "3" });
        await using var flooder = await PhoenixTestClient.ConnectAsync(Ws(node));
        await using var calm = await PhoenixTestClient.ConnectAsync(Ws(node));

        var replies = new List<PhoenixReply>();
        for (var i = 0; i < 15; i++)
        {
            replies.Add(await flooder.JoinAsync($"t{i}"));
        }

        var accepted = replies.Count(r => r.Reason is null);
        Assert.Contains(replies, r => r.Reason == "too many joins, slow down");
        Assert.Null((await calm.JoinAsync("t0")).Reason);

        var stats = await LocalStatsAsync(calm, "t0");
        Assert.Equal(accepted + 1, stats.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Protected_topics_need_a_valid_token_naming_them_and_refusals_count_nowhere()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", new()
        {
            ["ConnCount__Auth__ProtectedTopics__0"] = "private:*",
            ["ConnCount__Auth__SigningKey"] = JoinTokens.SigningKey,
        });
        await using var client = await PhoenixTestClient.ConnectAsync(Ws(node));

        Assert.Null((await client.JoinAsync("room:open")).Reason);
        Assert.Equal("unauthorized", (await client.JoinAsync("private:a")).Reason);
        Assert.Equal("unauthorized", (await client.JoinAsync("private:a", new { token = "not-a-jwt" })).Reason);
        Assert.Equal("unauthorized", (await client.JoinAsync("private:a", new { token = JoinTokens.Issue(["private:b"]) })).Reason);
        Assert.Equal("unauthorized", (await client.JoinAsync("private:a", new { token = JoinTokens.Issue(["private:a"], lifetime: TimeSpan.FromMinutes(-10)) })).Reason);
        Assert.Equal("unauthorized", (await client.JoinAsync("private:a", new { token = JoinTokens.Issue(["private:a"], key: "another-key-of-at-least-thirty-two-bytes!!") })).Reason);
        Assert.Null((await client.JoinAsync("private:a", new { token = JoinTokens.Issue(["private:a"]) })).Reason);
        Assert.Null((await client.JoinAsync("private:c", new { token = JoinTokens.Issue(["private:*"]) })).Reason);

        var stats = await LocalStatsAsync(client, "room:open");
        Assert.Equal(3, stats.GetProperty("total").GetInt64());
        Assert.Equal(1, stats.GetProperty("connections").GetProperty("private:a").GetInt64());
    }

    [Fact]
    public async Task The_socket_auth_token_in_the_subprotocol_header_opens_protected_topics()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", new()
        {
            ["ConnCount__Auth__ProtectedTopics__0"] = "private:*",
            ["ConnCount__Auth__SigningKey"] = JoinTokens.SigningKey,
        });
        var token = JoinTokens.Issue(["private:team"]);
        var (client, _) = await PhoenixTestClient.TryConnectAsync(Ws(node), configure: o =>
        {
            o.AddSubProtocol("phoenix");
            o.AddSubProtocol(JoinTokens.SubProtocolFor(token));
        });
        Assert.NotNull(client);
        await using (client)
        {
            Assert.Equal("phoenix", client!.SubProtocol);
            Assert.Null((await client.JoinAsync("private:team")).Reason);
            Assert.Equal("unauthorized", (await client.JoinAsync("private:other")).Reason);
        }
    }

    [Fact]
    public async Task Browser_origins_outside_the_allow_list_are_refused_outside_development()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnCount__Auth__AllowedOrigins__0"] = "https://app.example.com",
        });

        var (evil, status) = await PhoenixTestClient.TryConnectAsync(Ws(node), configure: o => o.SetRequestHeader("Origin", "https://evil.example.com"));
        Assert.Null(evil);
        Assert.Equal(HttpStatusCode.Forbidden, status);

        var (good, _) = await PhoenixTestClient.TryConnectAsync(Ws(node), configure: o => o.SetRequestHeader("Origin", "https://app.example.com"));
        Assert.NotNull(good);
        await good!.DisposeAsync();

        // Non-browser clients send no Origin and are not affected.
        var (plain, _) = await PhoenixTestClient.TryConnectAsync(Ws(node));
        Assert.NotNull(plain);
        await plain!.DisposeAsync();
    }

    [Fact]
    public async Task Nats_requires_credentials_so_strangers_can_neither_read_nor_fake_stats()
    {
        await using var cluster = await TestCluster.StartAsync(natsCredentials: ("conncount", "s3cret-pass"));
        var node = await cluster.StartNodeAsync("node-a");
        await cluster.StartApiAsync();
        await using var client = await PhoenixTestClient.ConnectAsync(Ws(node));
        await client.JoinAsync("room");

        var stats = await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => s.GetProperty("cluster_size").GetInt32() == 1);
        Assert.Equal(1, stats.GetProperty("total_connections").GetInt64());

        await using var stranger = new NATS.Client.Core.NatsConnection(new NATS.Client.Core.NatsOpts { Url = $"nats://127.0.0.1:{cluster.NatsPort}", MaxReconnectRetry = 0 });
        await Assert.ThrowsAnyAsync<NATS.Client.Core.NatsException>(async () => await stranger.ConnectAsync());
    }
}
