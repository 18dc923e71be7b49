using System.Net;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>Connection-level limits: half-open floods, per-address pending connections and the header timeout, against a real node process.</summary>
public class ConnectionFloodTests
{
    private const int PendingPerAddress = 20;
    private const int Flood = 300;

    private static readonly IPAddress Flooder = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Other = IPAddress.Parse("127.0.0.3");

    // Far longer than the configured header timeout below, and well under Kestrel's default of 30 s, so the flood's
    // connections beyond the per-address limit can only have been closed by that limit.
    private static readonly TimeSpan RefusalWait = TimeSpan.FromSeconds(20);

    private static Uri Ws(Uri http) => PhoenixTestClient.WebSocketUri(http);

    [Fact]
    public async Task A_half_open_flood_from_one_address_is_cut_at_its_limit_while_established_clients_health_and_other_addresses_are_served()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", new()
        {
            ["ConnCount__Connections__MaxPendingPerIp"] = PendingPerAddress.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ConnCount__Connections__RequestHeadersTimeout"] = "00:00:05",
        });
        var process = cluster.Nodes["node-a"].Process;
        await using var established = await PhoenixTestClient.ConnectAsync(Ws(node));
        Assert.Equal("ok", (await established.JoinAsync("room")).Status);

        var flood = new List<RawHttpConnection>();
        try
        {
            for (var i = 0; i < Flood; i++)
            {
                flood.Add(await RawHttpConnection.OpenAsync(node, Flooder, RawHttpConnection.IncompleteUpgrade));
            }

            // Everything over the per-address limit is closed by the server without waiting for the header timeout.
            await Eventually.MatchAsync(
                () => Task.FromResult(flood.Count(c => c.Closed.IsCompleted)),
                closed => closed >= Flood - PendingPerAddress,
                RefusalWait,
                because: $"connections beyond {PendingPerAddress} from one address are closed at once");

            // While the flood's pending connections are held, everything else is served.
            Assert.Equal("ok", (await established.HeartbeatAsync()).Status);
            var stats = (await established.PushAsync("room", "get_connection_stats")).Response;
            Assert.Equal(1, stats.GetProperty("total").GetInt64());
            using (var http = new HttpClient { BaseAddress = node, Timeout = TimeSpan.FromSeconds(10) })
            {
                using var health = await http.GetAsync("/health");
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            }

            var (other, status) = await PhoenixTestClient.TryConnectAsync(Ws(node), Other);
            Assert.True(other is not null, $"a client from another address was refused with {status}");
            await using (other)
            {
                Assert.Equal("ok", (await other!.JoinAsync("room")).Status);
            }

            // The header timeout reaps the pending ones too, and the address may connect again.
            await Task.WhenAll(flood.Select(c => c.Closed)).WaitAsync(TimeSpan.FromSeconds(30));
            await using var again = await Eventually.MatchAsync(
                async () => (await PhoenixTestClient.TryConnectAsync(Ws(node), Flooder)).Client,
                c => c is not null,
                because: "the flooding address's leases are released when its connections close");
            Assert.False(process.HasExited, "the node exited:\n" + process.Output);
        }
        finally
        {
            foreach (var connection in flood)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Established_sockets_count_against_neither_the_nodes_pending_budget_nor_their_addresss()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", new()
        {
            ["ConnCount__Connections__MaxPending"] = "5",
            ["ConnCount__Connections__MaxPendingPerIp"] = "3",
        });
        var source = IPAddress.Parse("127.0.0.4");
        var clients = new List<PhoenixTestClient>();
        try
        {
            for (var i = 0; i < 10; i++)
            {
                var (client, status) = await PhoenixTestClient.TryConnectAsync(Ws(node), source);
                Assert.True(client is not null, $"socket {i + 1} from one address was refused with {status}");
                clients.Add(client!);
            }

            // And with three sockets' worth of pending connections open, a fourth is closed at once. Which of the four
            // the server counts fourth is its accept order, not ours: one of them is closed with nothing sent back
            // (the others would only end with a 408 at the header timeout).
            await using var pending = new AsyncDisposables();
            var attempts = new List<RawHttpConnection>();
            for (var i = 0; i < 4; i++)
            {
                var connection = await RawHttpConnection.OpenAsync(node, source, RawHttpConnection.IncompleteUpgrade);
                pending.Add(connection);
                attempts.Add(connection);
            }

            await Eventually.MatchAsync(
                () => Task.FromResult(attempts.Count(c => c.Closed.IsCompletedSuccessfully && c.Closed.Result == "")),
                closedAtOnce => closedAtOnce >= 1,
                RefusalWait,
                because: "a fourth pending connection from one address is closed at once");
            Assert.Equal("ok", (await clients[^1].HeartbeatAsync()).Status);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    private sealed class AsyncDisposables : List<IAsyncDisposable>, IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var item in this)
            {
                await item.DisposeAsync();
            }
        }
    }
}
