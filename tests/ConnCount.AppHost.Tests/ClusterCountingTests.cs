namespace ConnCount.AppHost.Tests;

/// <summary>
/// End to end through the AppHost: real WebSocket clients through Aspire's proxy onto three socket nodes,
/// counts gathered over a real NATS server, read back from the stats API and over a socket.
/// </summary>
/// <remarks>
/// The tests share one running cluster, so each one starts by waiting until the cluster is empty and
/// closes every socket it opened; its topics carry its own prefix.
/// </remarks>
public sealed class ClusterCountingTests(ConnCountAppFixture fixture) : IClassFixture<ConnCountAppFixture>
{
    private const int SocketCount = 12;
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Sockets_through_the_proxy_land_on_at_least_two_nodes()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await WaitForEmptyClusterAsync(timeout.Token);

        var sockets = await OpenSocketsAsync("spread", timeout.Token);
        try
        {
            var nodes = sockets.Select(s => s.Node).Distinct().ToList();
            Assert.True(nodes.Count >= 2, $"All {SocketCount} sockets landed on one node: {nodes[0]}.");

            var stats = await fixture.GetClusterStatsAsync(timeout.Token);
            Assert.Subset(stats.Nodes.Keys.ToHashSet(), nodes.ToHashSet());
        }
        finally
        {
            await CloseAllAsync(sockets);
        }
    }

    [Fact]
    public async Task Stats_api_reports_exact_totals_for_a_known_join_pattern()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await WaitForEmptyClusterAsync(timeout.Token);

        var sockets = await OpenSocketsWithJoinPatternAsync("api", timeout.Token);
        try
        {
            var stats = await WaitForStatsApiToMatchAsync(sockets, timeout.Token);

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
            await CloseAllAsync(sockets);
        }
    }

    [Fact]
    public async Task Cluster_stats_asked_over_a_socket_equal_the_stats_api_totals()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await WaitForEmptyClusterAsync(timeout.Token);

        var sockets = await OpenSocketsWithJoinPatternAsync("push", timeout.Token);
        try
        {
            var fromApi = await WaitForStatsApiToMatchAsync(sockets, timeout.Token);
            var fromSocket = await AskClusterStatsAsync(sockets[^1], "push:all", timeout.Token);

            Assert.Equal(fromApi.Describe(), fromSocket.Describe());
            Assert.Equal(12 + 6 + 4, fromSocket.TotalConnections);
            Assert.Equal(ConnCountAppFixture.SocketNodeReplicas, fromSocket.ClusterSize);
            Assert.False(fromSocket.Partial);
        }
        finally
        {
            await CloseAllAsync(sockets);
        }
    }

    [Fact]
    public async Task Each_node_reports_exactly_the_sockets_that_landed_on_it()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await WaitForEmptyClusterAsync(timeout.Token);

        var sockets = await OpenSocketsWithJoinPatternAsync("node", timeout.Token);
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
            await CloseAllAsync(sockets);
        }
    }

    [Fact]
    public async Task Totals_drop_exactly_when_sockets_close_or_abort_and_topics_are_left()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await WaitForEmptyClusterAsync(timeout.Token);

        var sockets = await OpenSocketsWithJoinPatternAsync("churn", timeout.Token);
        var open = sockets.ToList();
        try
        {
            await WaitForStatsApiToMatchAsync(open, timeout.Token);

            foreach (var socket in sockets[0..3])
            {
                await socket.Client.CloseAsync(timeout.Token);
                open.Remove(socket);
            }

            sockets[3].Client.Abort();
            open.Remove(sockets[3]);

            foreach (var socket in sockets[4..6])
            {
                await LeaveAsync(socket, "churn:all", timeout.Token);
            }

            await LeaveAsync(sockets[6], "churn:even", timeout.Token);

            // Left: sockets 4..11; all = 6..11, even = 4, 8, 10, third = 6, 9.
            var stats = await WaitForStatsApiToMatchAsync(open, timeout.Token);
            Assert.Equal(8, stats.TotalSockets);
            Assert.Equal(6 + 3 + 2, stats.TotalConnections);
            Assert.Equal(6, stats.Topics["churn:all"].Total);
            Assert.Equal(3, stats.Topics["churn:even"].Total);
            Assert.Equal(2, stats.Topics["churn:third"].Total);
            Assert.False(stats.Partial);

            var fromSocket = await AskClusterStatsAsync(sockets[^1], "churn:all", timeout.Token);
            Assert.Equal(stats.Describe(), fromSocket.Describe());
        }
        finally
        {
            await CloseAllAsync(sockets);
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

    /// <summary>A socket the test opened, the node it landed on, and the topics it is in.</summary>
    private sealed record TrackedSocket(PhoenixTestClient Client, string Node, HashSet<string> Topics);

    /// <summary>
    /// Opens <see cref="SocketCount"/> sockets that all join <c>{prefix}:all</c> and learns each one's node
    /// from <c>get_connection_stats</c>.
    /// </summary>
    private async Task<List<TrackedSocket>> OpenSocketsAsync(string prefix, CancellationToken cancellationToken)
    {
        var sockets = new List<TrackedSocket>();
        try
        {
            for (var i = 0; i < SocketCount; i++)
            {
                var client = await PhoenixTestClient.ConnectAsync(fixture.SocketEndpoint, cancellationToken);
                var socket = new TrackedSocket(client, "?", []);
                sockets.Add(socket);
                await JoinAsync(socket, $"{prefix}:all", cancellationToken);

                var reply = await client.PushAsync($"{prefix}:all", "get_connection_stats", cancellationToken);
                Assert.True(reply.IsOk, $"get_connection_stats failed: {reply.Response}");
                sockets[i] = socket with { Node = reply.As<NodeStatsView>().Node };
            }

            return sockets;
        }
        catch
        {
            await CloseAllAsync(sockets);
            throw;
        }
    }

    /// <summary>Every socket joins <c>all</c>, the even ones <c>even</c>, every third one <c>third</c>: 12 + 6 + 4.</summary>
    private async Task<List<TrackedSocket>> OpenSocketsWithJoinPatternAsync(string prefix, CancellationToken cancellationToken)
    {
        var sockets = await OpenSocketsAsync(prefix, cancellationToken);
        try
        {
            for (var i = 0; i < sockets.Count; i++)
            {
                if (i % 2 == 0)
                {
                    await JoinAsync(sockets[i], $"{prefix}:even", cancellationToken);
                }

                if (i % 3 == 0)
                {
                    await JoinAsync(sockets[i], $"{prefix}:third", cancellationToken);
                }
            }

            return sockets;
        }
        catch
        {
            await CloseAllAsync(sockets);
            throw;
        }
    }

    private static async Task JoinAsync(TrackedSocket socket, string topic, CancellationToken cancellationToken)
    {
        var reply = await socket.Client.JoinAsync(topic, cancellationToken);
        Assert.True(reply.IsOk, $"Joining {topic} failed: {reply.Response}");
        socket.Topics.Add(topic);
    }

    private static async Task LeaveAsync(TrackedSocket socket, string topic, CancellationToken cancellationToken)
    {
        var reply = await socket.Client.LeaveAsync(topic, cancellationToken);
        Assert.True(reply.IsOk, $"Leaving {topic} failed: {reply.Response}");
        socket.Topics.Remove(topic);
    }

    private static async Task<ClusterStatsView> AskClusterStatsAsync(TrackedSocket socket, string topic, CancellationToken cancellationToken)
    {
        var reply = await socket.Client.PushAsync(topic, "get_cluster_connection_stats", cancellationToken);
        Assert.True(reply.IsOk, $"get_cluster_connection_stats failed: {reply.Response}");
        return reply.As<ClusterStatsView>();
    }

    /// <summary>What the whole cluster must report while exactly <paramref name="open"/> are connected.</summary>
    private static ClusterStatsView Expected(IReadOnlyCollection<TrackedSocket> open)
    {
        var memberships = open.SelectMany(s => s.Topics.Select(topic => (Topic: topic, s.Node))).ToList();
        var topics = memberships
            .GroupBy(m => m.Topic)
            .ToDictionary(
                t => t.Key,
                t => new ClusterStatsView.Topic(t.Count(), t.CountBy(m => m.Node).ToDictionary(n => n.Key, n => (long)n.Value)));
        var nodes = open
            .GroupBy(s => s.Node)
            .ToDictionary(n => n.Key, n => new ClusterStatsView.Node(n.Sum(s => s.Topics.Count), n.Count()));

        return new ClusterStatsView(memberships.Count, open.Count, ConnCountAppFixture.SocketNodeReplicas, topics, nodes, Partial: false, []);
    }

    private async Task<ClusterStatsView> WaitForStatsApiToMatchAsync(IReadOnlyCollection<TrackedSocket> open, CancellationToken cancellationToken)
    {
        var expected = Expected(open).Describe();
        var stats = await Eventually.ReachAsync(fixture.GetClusterStatsAsync, s => s.Describe() == expected, SettleTimeout, cancellationToken);
        Assert.Equal(expected, stats.Describe());
        return stats;
    }

    private async Task WaitForEmptyClusterAsync(CancellationToken cancellationToken) =>
        await WaitForStatsApiToMatchAsync([], cancellationToken);

    private static async Task CloseAllAsync(IEnumerable<TrackedSocket> sockets)
    {
        foreach (var socket in sockets)
        {
            await socket.Client.DisposeAsync();
        }
    }
}
