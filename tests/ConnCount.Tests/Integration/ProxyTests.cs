using System.Net;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>Client addresses behind a trusted proxy: forwarded headers, per-address limits, against a real node process.</summary>
public class ProxyTests
{
    private static readonly IPAddress Proxy = IPAddress.Parse("127.0.0.5");
    private static readonly IPAddress Stranger = IPAddress.Parse("127.0.0.6");

    private static Uri Ws(Uri http) => PhoenixTestClient.WebSocketUri(http);

    private static Task<(PhoenixTestClient? Client, HttpStatusCode? Status)> ConnectForwardedAsync(Uri node, IPAddress source, string forwardedFor) =>
        PhoenixTestClient.TryConnectAsync(Ws(node), source, o => o.SetRequestHeader("X-Forwarded-For", forwardedFor));

    [Fact]
    public async Task Behind_a_trusted_proxy_the_per_address_rate_follows_X_Forwarded_For_and_a_strangers_header_is_ignored()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", new()
        {
            ["ConnCount__Proxy__TrustedProxies__0"] = "127.0.0.5/32",
            ["ConnCount__RateLimits__ConnectionsPerSecondPerIp"] = "5",
        });
        var clients = new List<PhoenixTestClient>();
        try
        {
            // One client behind the proxy floods: its forwarded address runs out of its bucket.
            var refusals = await PhoenixTestClient.ConnectManyAsync(20, _ => ConnectForwardedAsync(node, Proxy, "203.0.113.7"), clients);

            Assert.NotEmpty(refusals);
            Assert.All(refusals, s => Assert.Equal(HttpStatusCode.TooManyRequests, s));

            // An unrelated client behind the same proxy still connects, every time.
            for (var i = 0; i < 3; i++)
            {
                var (unrelated, status) = await ConnectForwardedAsync(node, Proxy, $"198.51.100.{10 + i}");
                Assert.True(unrelated is not null, $"an unrelated forwarded client was refused with {status}");
                clients.Add(unrelated!);
            }

            // A client that is not a trusted proxy cannot pick a fresh address per request: its own address is limited.
            var strangerRefusals = await PhoenixTestClient.ConnectManyAsync(20, i => ConnectForwardedAsync(node, Stranger, $"192.0.2.{10 + i}"), clients);
            Assert.True(strangerRefusals.Count > 0, "X-Forwarded-For from an untrusted address was honoured");
            Assert.All(strangerRefusals, s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
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
    public async Task A_trusted_proxys_connections_are_not_limited_as_one_client_address()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", new()
        {
            ["ConnCount__Proxy__TrustedProxies__0"] = "127.0.0.5",
            ["ConnCount__Connections__MaxPendingPerIp"] = "3",
        });
        var connections = new List<RawHttpConnection>();
        try
        {
            // Ten clients' requests arrive over ten proxy connections at once, each still sending its headers.
            for (var i = 0; i < 10; i++)
            {
                connections.Add(await RawHttpConnection.OpenAsync(node, Proxy, "GET /health HTTP/1.1\r\nHost: localhost\r\n"));
            }

            foreach (var (connection, i) in connections.Select((c, i) => (c, i)))
            {
                await connection.SendAsync($"X-Forwarded-For: 198.51.100.{i}\r\nConnection: close\r\n\r\n");
            }

            foreach (var connection in connections)
            {
                Assert.StartsWith("HTTP/1.1 200", await connection.Closed.WaitAsync(TimeSpan.FromSeconds(20)));
            }

            // The same from an ordinary client address is cut at three.
            var direct = new List<RawHttpConnection>();
            for (var i = 0; i < 4; i++)
            {
                direct.Add(await RawHttpConnection.OpenAsync(node, Stranger, "GET /health HTTP/1.1\r\nHost: localhost\r\n"));
            }

            connections.AddRange(direct);
            // The server's accept order decides which of the four is the one over the limit: it is closed with nothing sent.
            await Eventually.MatchAsync(
                () => Task.FromResult(direct.Count(c => c.Closed.IsCompletedSuccessfully && c.Closed.Result == "")),
                closedAtOnce => closedAtOnce >= 1,
                TimeSpan.FromSeconds(20),
                because: "a fourth pending connection from an ordinary address is closed at once");
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }
}
