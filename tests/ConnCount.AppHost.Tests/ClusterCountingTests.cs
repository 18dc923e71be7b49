namespace ConnCount.AppHost.Tests;

/// <summary>
/// End to end through the AppHost: real WebSocket clients through Aspire's proxy onto three socket nodes,
/// counts gathered over a real NATS server, read back from the stats API and over a socket.
/// </summary>
/// <remarks>
/// The tests share one running cluster with the other tests of the collection, so each one starts by waiting
/// until the cluster is empty and closes every socket it opened; its topics carry its own prefix.
/// </remarks>
[Collection(AppHostCollection.Name)]
public sealed class ClusterCountingTests(ConnCountAppFixture fixture)
{
    private const int SocketCount = ClusterSockets.SocketCount;
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);

    private readonly ClusterSockets _cluster = new(fixture);

    [Fact]
    public async Task Sockets_through_the_proxy_land_on_at_least_two_nodes()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await _cluster.WaitForEmptyClusterAsync(timeout.Token);

        var sockets = await _cluster.OpenAsync("spread", timeout.Token);
        try
        {
            var nodes = sockets.Select(s => s.Node).Distinct().ToList();
            Assert.True(nodes.Count >= 2, $"All {SocketCount} sockets landed on one node: {nodes[0]}.");

            var stats = await fixture.GetClusterStatsAsync(timeout.Token);
            Assert.Subset(stats.Nodes.Keys.ToHashSet(), nodes.ToHashSet());
        }
        finally
        {
            await ClusterSockets.CloseAllAsync(sockets);
        }
    }

    [Fact]
    public async Task Stats_api_reports_exact_totals_for_a_known_join_pattern()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await _cluster.WaitForEmptyClusterAsync(timeout.Token);

        var sockets = await _cluster.OpenWithJoinPatternAsync("api", timeout.Token);
        try
        {
            var stats = await _cluster.WaitForStatsApiToMatchAsync(sockets, timeout.Token);

            Assert.Equal(ConnCountAppFixture.SocketNodeReplicas, stats.ClusterSize);
            Assert.False(stats.Partial);
            Assert.Empty(stats.MissingNodes);
            Assert.Equal(SocketCount, stats.TotalSockets);
            Assert.Equal(12 + 6 + 4, stats.TotalConnections);
            Assert.Equal(12, stats.Topics["api:all"].Total);
            Assert.Equal(6, stats.Topics["api:even"].Total);
            Assert.Equal(4, stats.Topics["api:third"].Total);
        }
        finally
        {
            await ClusterSockets.CloseAllAsync(sockets);
        }
    }

    [Fact]
    public async Task Cluster_stats_asked_over_a_socket_equal_the_stats_api_totals()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await _cluster.WaitForEmptyClusterAsync(timeout.Token);

        var sockets = await _cluster.OpenWithJoinPatternAsync("push", timeout.Token);
        try
        {
            var fromApi = await _cluster.WaitForStatsApiToMatchAsync(sockets, timeout.Token);
            var fromSocket = await ClusterSockets.AskClusterStatsAsync(sockets[^1], "push:all", timeout.Token);

            Assert.Equal(fromApi.Describe(), fromSocket.Describe());
            Assert.Equal(12 + 6 + 4, fromSocket.TotalConnections);
            Assert.Equal(ConnCountAppFixture.SocketNodeReplicas, fromSocket.ClusterSize);
            Assert.False(fromSocket.Partial);
        }
        finally
        {
            await ClusterSockets.CloseAllAsync(sockets);
        }
    }

    [Fact]
    public async Task Each_node_reports_exactly_the_sockets_that_landed_on_it()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await _cluster.WaitForEmptyClusterAsync(timeout.Token);

        var sockets = await _cluster.OpenWithJoinPatternAsync("node", timeout.Token);
        try
        {
            foreach (var onNode in sockets.GroupBy(s => s.Node))
            {
                var reply = await onNode.First().Client.PushAsync("node:all", "get_connection_stats", timeout.Token);
                Assert.True(reply.IsOk, $"get_connection_stats failed: {reply.Response}");
                var stats = reply.As<NodeStatsView>();

                var expectedTopics = onNode.SelectMany(s => s.Topics).CountBy(t => t).OrderBy(t => t.Key, StringComparer.Ordinal);
                Assert.Equal(onNode.Key, stats.Node);
                Assert.Equal(onNode.Count(), stats.Sockets);
                Assert.Equal(onNode.Sum(s => s.Topics.Count), stats.Total);
                Assert.Equal(
                    expectedTopics.Select(t => $"{t.Key}={t.Value}"),
                    stats.Connections.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"));
            }
        }
        finally
        {
            await ClusterSockets.CloseAllAsync(sockets);
        }
    }

    [Fact]
    public async Task Totals_drop_exactly_when_sockets_close_or_abort_and_topics_are_left()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await _cluster.WaitForEmptyClusterAsync(timeout.Token);

        var sockets = await _cluster.OpenWithJoinPatternAsync("churn", timeout.Token);
        var open = sockets.ToList();
        try
        {
            await _cluster.WaitForStatsApiToMatchAsync(open, timeout.Token);

            foreach (var socket in sockets[0..3])
            {
                await socket.Client.CloseAsync(timeout.Token);
                open.Remove(socket);
            }

            sockets[3].Client.Abort();
            open.Remove(sockets[3]);

            foreach (var socket in sockets[4..6])
            {
                await ClusterSockets.LeaveAsync(socket, "churn:all", timeout.Token);
            }

            await ClusterSockets.LeaveAsync(sockets[6], "churn:even", timeout.Token);

            // Left: sockets 4..11; all = 6..11, even = 4, 8, 10, third = 6, 9.
            var stats = await _cluster.WaitForStatsApiToMatchAsync(open, timeout.Token);
            Assert.Equal(8, stats.TotalSockets);
            Assert.Equal(6 + 3 + 2, stats.TotalConnections);
            Assert.Equal(6, stats.Topics["churn:all"].Total);
            Assert.Equal(3, stats.Topics["churn:even"].Total);
            Assert.Equal(2, stats.Topics["churn:third"].Total);
            Assert.False(stats.Partial);

            var fromSocket = await ClusterSockets.AskClusterStatsAsync(sockets[^1], "churn:all", timeout.Token);
            Assert.Equal(stats.Describe(), fromSocket.Describe());
        }
        finally
        {
            await ClusterSockets.CloseAllAsync(sockets);
        }
    }

    [Fact]
    public async Task The_shipped_private_pattern_needs_a_join_token_while_ordinary_topics_stay_open()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await using var client = await PhoenixTestClient.ConnectAsync(fixture.SocketEndpoint, timeout.Token);

        var open = await client.JoinAsync("tokens:open", timeout.Token);
        var secret = await client.JoinAsync("private:tokens", timeout.Token);

        Assert.True(open.IsOk);
        Assert.Equal("error", secret.Status);
        Assert.Equal("unauthorized", secret.Response.GetProperty("reason").GetString());
        var stats = await fixture.GetClusterStatsAsync(timeout.Token);
        Assert.DoesNotContain("private:tokens", stats.Topics.Keys);
    }

    [Fact]
    public async Task Stats_api_refuses_a_request_without_the_key_the_AppHost_gave_it()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        using var anonymous = fixture.App.CreateHttpClient("statsapi", "http");

        using var response = await anonymous.GetAsync("/api/stats", timeout.Token);

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
