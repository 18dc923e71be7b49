using System.Diagnostics;
using Aspire.Hosting.ApplicationModel;
using Xunit.Abstractions;

namespace ConnCount.AppHost.Tests;

/// <summary>
/// The AppHost with a cluster of three NATS servers: the socket nodes spread over the servers, gathers cross
/// routes, and a node whose server stops moves to another server and is counted exactly again.
/// </summary>
/// <remarks>
/// The tests share the cluster. The one that stops a server starts it again before it ends, but its node stays
/// where it moved, so no test assumes that every server still holds exactly one node.
/// </remarks>
public sealed class NatsClusterTests(NatsClusterAppFixture fixture, ITestOutputHelper output) : IClassFixture<NatsClusterAppFixture>
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(90);
    // Reconnecting takes the NATS client a fraction of a second; the rest is the next heartbeat and gather.
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(15);

    private readonly ClusterSockets _cluster = new(fixture);

    [Fact]
    public void Each_replica_is_given_its_own_server_of_the_cluster()
    {
        var ports = fixture.SocketNodeReplicaIds
            .Select(replica => fixture.EnvironmentOf(replica, "ConnectionStrings__nats"))
            .Select(connectionString => new Uri(connectionString!).Port)
            .ToHashSet();
        var serverPorts = fixture.NatsServers.Select(server => fixture.App.GetEndpoint(server, "tcp").Port).ToHashSet();

        Assert.Equal(serverPorts, ports);
    }

    [Fact]
    public async Task Gather_is_exact_and_complete_while_nodes_sit_on_different_servers()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await _cluster.WaitForEmptyClusterAsync(timeout.Token);

        var perServer = await fixture.SocketNodesPerServerAsync(await RunningServersAsync(), timeout.Token);
        Assert.True(perServer.Count(s => s.Value > 0) >= 2, $"The socket nodes share one server: {Describe(perServer)}.");
        Assert.Equal(ConnCountAppFixture.SocketNodeReplicas, perServer.Values.Sum());

        var sockets = await _cluster.OpenWithJoinPatternAsync("routed", timeout.Token);
        try
        {
            Assert.True(sockets.Select(s => s.Node).Distinct().Count() >= 2, "All sockets landed on one node.");
            var stats = await _cluster.WaitForStatsApiToMatchAsync(sockets, timeout.Token);

            Assert.Equal(12 + 6 + 4, stats.TotalConnections);
            Assert.False(stats.Partial);
            var fromSocket = await ClusterSockets.AskClusterStatsAsync(sockets[^1], "routed:all", timeout.Token);
            Assert.Equal(stats.Describe(), fromSocket.Describe());
        }
        finally
        {
            await ClusterSockets.CloseAllAsync(sockets);
        }
    }

    [Fact]
    public async Task A_node_whose_server_stops_reconnects_to_another_and_totals_are_exact_again_within_seconds()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await _cluster.WaitForEmptyClusterAsync(timeout.Token);

        var sockets = await _cluster.OpenWithJoinPatternAsync("failover", timeout.Token);
        string? stopped = null;
        try
        {
            await _cluster.WaitForStatsApiToMatchAsync(sockets, timeout.Token);
            // A server with a node on it but not the stats API, so the test watches the node move, not the API.
            stopped = await ServerWithOnlyNodesAsync(timeout.Token);

            var outage = Stopwatch.StartNew();
            var stop = await fixture.ExecuteCommandAsync(stopped, KnownResourceCommands.StopCommand, timeout.Token);
            Assert.True(stop.Success, $"Stopping {stopped} failed: {stop.Message}");

            // Every node's NATS connection lives on the other servers: the stopped server's node has moved.
            var remaining = fixture.NatsServers.Where(s => s != stopped).ToList();
            var perServer = await Eventually.MatchAsync(
                ct => fixture.SocketNodesPerServerAsync(remaining, ct),
                p => p.Values.Sum() == ConnCountAppFixture.SocketNodeReplicas,
                RecoveryTimeout,
                cancellationToken: timeout.Token);
            Assert.Equal(ConnCountAppFixture.SocketNodeReplicas, perServer.Values.Sum());
            output.WriteLine($"All nodes on {Describe(perServer)} {outage.Elapsed.TotalSeconds:F1} s after {stopped} was stopped.");

            var stats = await _cluster.WaitForStatsApiToMatchAsync(sockets, timeout.Token);
            output.WriteLine($"Totals exact and complete {outage.Elapsed.TotalSeconds:F1} s after {stopped} was stopped.");
            Assert.True(outage.Elapsed < RecoveryTimeout, $"Recovery took {outage.Elapsed}.");
            Assert.Equal(12 + 6 + 4, stats.TotalConnections);

            // The node kept counting its sockets through the outage: none was closed.
            Assert.All(sockets, socket => Assert.False(socket.Client.Closed.IsCompleted, $"A socket on {socket.Node} closed."));
        }
        finally
        {
            await ClusterSockets.CloseAllAsync(sockets);
            if (stopped is not null)
            {
                var start = await fixture.ExecuteCommandAsync(stopped, KnownResourceCommands.StartCommand, CancellationToken.None);
                Assert.True(start.Success, $"Starting {stopped} again failed: {start.Message}");
                using var restart = new CancellationTokenSource(TestTimeout);
                await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync(stopped, restart.Token);
            }
        }
    }

    private async Task<string> ServerWithOnlyNodesAsync(CancellationToken cancellationToken)
    {
        foreach (var server in await RunningServersAsync())
        {
            var clients = await fixture.ClientsOnAsync(server, cancellationToken);
            if (clients.GetValueOrDefault(NatsClusterAppFixture.SocketNodeClientName) > 0
                && clients.GetValueOrDefault(NatsClusterAppFixture.StatsApiClientName) == 0)
            {
                return server;
            }
        }

        throw new InvalidOperationException("No server holds a socket node without the stats API.");
    }

    private async Task<IReadOnlyList<string>> RunningServersAsync()
    {
        // A server the other test stopped may still be starting again.
        using var timeout = new CancellationTokenSource(TestTimeout);
        foreach (var server in fixture.NatsServers)
        {
            await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync(server, timeout.Token);
        }

        return fixture.NatsServers;
    }

    private static string Describe(Dictionary<string, int> perServer) =>
        string.Join(", ", perServer.Select(s => $"{s.Key}={s.Value}"));
}
