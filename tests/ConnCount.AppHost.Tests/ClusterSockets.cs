namespace ConnCount.AppHost.Tests;

/// <summary>A socket a test opened, the node it landed on, and the topics it is in.</summary>
public sealed record TrackedSocket(PhoenixTestClient Client, string Node, HashSet<string> Topics);

/// <summary>What a drain test drains: the node holding most of the test's sockets, its replica, and the sockets on it and elsewhere.</summary>
public sealed record DrainTarget(string Node, string Replica, List<TrackedSocket> OnNode, List<TrackedSocket> Elsewhere);

/// <summary>
/// Opens sockets through the AppHost's proxy, learns where each landed, and waits for the stats API to report
/// exactly what the open sockets add up to: the steps every end-to-end test takes.
/// </summary>
public sealed class ClusterSockets(ConnCountAppFixture fixture)
{
    public const int SocketCount = 12;

    /// <summary>How long the cluster may take to agree with the sockets the test holds.</summary>
    public static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Opens <see cref="SocketCount"/> sockets that all join <c>{prefix}:all</c> and learns each one's node
    /// from <c>get_connection_stats</c>.
    /// </summary>
    public async Task<List<TrackedSocket>> OpenAsync(string prefix, CancellationToken cancellationToken)
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

    /// <summary>Opens sockets as <see cref="OpenAsync"/> does and picks the node with the most of them, so a drain has something to close.</summary>
    public async Task<(List<TrackedSocket> Sockets, DrainTarget Target)> OpenForDrainAsync(string prefix, CancellationToken cancellationToken)
    {
        var sockets = await OpenAsync(prefix, cancellationToken);
        var replicaOf = fixture.SocketNodeReplicaIds.ToDictionary(fixture.NodeIdOf, replica => replica);
        var node = sockets.CountBy(s => s.Node).MaxBy(n => n.Value).Key;
        var onNode = sockets.Where(s => s.Node == node).ToList();
        return (sockets, new DrainTarget(node, replicaOf[node], onNode, sockets.Except(onNode).ToList()));
    }

    /// <summary>Every socket joins <c>all</c>, the even ones <c>even</c>, every third one <c>third</c>: 12 + 6 + 4.</summary>
    public async Task<List<TrackedSocket>> OpenWithJoinPatternAsync(string prefix, CancellationToken cancellationToken)
    {
        var sockets = await OpenAsync(prefix, cancellationToken);
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

    public static async Task JoinAsync(TrackedSocket socket, string topic, CancellationToken cancellationToken)
    {
        var reply = await socket.Client.JoinAsync(topic, cancellationToken);
        Assert.True(reply.IsOk, $"Joining {topic} failed: {reply.Response}");
        socket.Topics.Add(topic);
    }

    public static async Task LeaveAsync(TrackedSocket socket, string topic, CancellationToken cancellationToken)
    {
        var reply = await socket.Client.LeaveAsync(topic, cancellationToken);
        Assert.True(reply.IsOk, $"Leaving {topic} failed: {reply.Response}");
        socket.Topics.Remove(topic);
    }

    public static async Task<ClusterStatsView> AskClusterStatsAsync(TrackedSocket socket, string topic, CancellationToken cancellationToken)
    {
        var reply = await socket.Client.PushAsync(topic, "get_cluster_connection_stats", cancellationToken);
        Assert.True(reply.IsOk, $"get_cluster_connection_stats failed: {reply.Response}");
        return reply.As<ClusterStatsView>();
    }

    /// <summary>What the whole cluster must report while exactly <paramref name="open"/> are connected.</summary>
    public static ClusterStatsView Expected(IReadOnlyCollection<TrackedSocket> open)
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

    /// <summary>Waits until <c>GET /api/stats</c> reports exactly <paramref name="open"/>, complete, and returns that answer.</summary>
    public async Task<ClusterStatsView> WaitForStatsApiToMatchAsync(IReadOnlyCollection<TrackedSocket> open, CancellationToken cancellationToken)
    {
        var expected = Expected(open).Describe();
        var stats = await Eventually.MatchAsync(
            fixture.GetClusterStatsAsync, s => s.Describe() == expected, SettleTimeout, because: $"GET /api/stats reports {expected}", cancellationToken);
        Assert.Equal(expected, stats.Describe());
        return stats;
    }

    /// <summary>Waits until no test's sockets are left on any node.</summary>
    public Task WaitForEmptyClusterAsync(CancellationToken cancellationToken) =>
        WaitForStatsApiToMatchAsync([], cancellationToken);

    public static async Task CloseAllAsync(IEnumerable<TrackedSocket> sockets)
    {
        foreach (var socket in sockets)
        {
            await socket.Client.DisposeAsync();
        }
    }
}
