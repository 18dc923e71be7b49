using System.Text.Json;
using ConnCount.Cluster.Contracts;
using ConnCount.Tests.Infrastructure;
using NATS.Client.Core;

namespace ConnCount.Tests.Integration;

/// <summary>
/// Presence snapshots larger than one NATS message: a nats-server whose <c>max_payload</c> is 16 KB, and a crowd of a
/// few hundred presences on one node, whose snapshot of the topic then travels in several parts. A member that joins
/// on another node lists every one of them, and a node that fell silent and came back gives every one of them back.
/// </summary>
public class PresenceInPartsTests
{
    private const string Topic = "room:crowded";
    private const int MaxPayload = 16 * 1024;
    private const int Crowd = 200;

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["ConnCount__Messages__Topics__0__Pattern"] = "room:*",
        ["ConnCount__Messages__Topics__0__Presence"] = "true",
        ["ConnCount__Auth__SigningKey"] = JoinTokens.SigningKey,
        // The crowd connects from one address within a second or two.
        ["ConnCount__RateLimits__ConnectionsPerSecondPerIp"] = "10000",
    };

    /// <summary>The crowd's users: 100 characters each, so 200 presences take about 30 KB of snapshot.</summary>
    private static string User(int i) => $"user-{i:D3}-" + new string('x', 91);

    [Fact]
    public void The_crowds_snapshot_is_larger_than_one_message()
    {
        var entries = Enumerable.Range(0, Crowd).Select(i => new PresenceEntry(User(i), $"0123456789{i}", 1_765_000_000_000)).ToList();
        var whole = new PresenceSnapshot("node-0", DateTimeOffset.UnixEpoch, Topic, Crowd, entries);

        Assert.True(JsonSerializer.SerializeToUtf8Bytes(whole, ClusterJsonContext.Default.PresenceSnapshot).Length > 1.5 * MaxPayload);
    }

    [Fact]
    public async Task A_member_joining_on_another_node_lists_every_presence_of_a_snapshot_in_parts()
    {
        var (cluster, nodes) = await StartAsync();
        await using var _ = cluster;
        await using var crowd = await CrowdAsync(nodes[0]);

        // node-1 holds no member of the topic until now: its first sync asks node-0 for all of the crowd at once.
        await using var watcher = await JoinAsync(nodes[1], "watcher");

        await WaitMetasAsync(watcher, Crowd + 1, "the watcher lists the whole crowd, from node-0's snapshot");
        await WaitMetasAsync(crowd.Members[0], Crowd + 1, "the crowd lists the watcher");
    }

    [Fact]
    public async Task A_paused_node_gives_back_every_presence_of_a_snapshot_in_parts()
    {
        var (cluster, nodes) = await StartAsync();
        await using var _ = cluster;

        // node-1 holds the topic first: it learns the crowd change by change, each one presence.
        await using var watcher = await JoinAsync(nodes[1], "watcher");
        await using var crowd = await CrowdAsync(nodes[0]);
        await WaitMetasAsync(watcher, Crowd + 1, "every join of the crowd arrives as a change of its own");

        var paused = cluster.Nodes["node-0"].Process;
        await paused.PauseAsync();
        try
        {
            await WaitMetasAsync(watcher, 1, "a node that stopped answering takes its users out", TimeSpan.FromSeconds(8));
        }
        finally
        {
            await paused.ResumeAsync();
        }

        // node-1 repairs node-0 from a snapshot of it alone: the crowd comes back whole, or not at all.
        await WaitMetasAsync(watcher, Crowd + 1, "the crowd never left: it is back once node-0 is heard again", TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task A_node_that_reads_only_whole_snapshots_gets_no_part_of_one()
    {
        var (cluster, nodes) = await StartAsync();
        await using var _ = cluster;
        await using var crowd = await CrowdAsync(nodes[0]);
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = cluster.NatsUrl });
        await nats.ConnectAsync();

        var current = await AskAsync(nats, new PresenceSyncRequest(Topic, Parts: true));
        // What a node from before parts sends: the request without the flag.
        var older = await AskAsync(nats, new PresenceSyncRequest(Topic));

        var parts = current.Where(s => s.Node == "node-0").ToList();
        Assert.True(parts.Count > 1, $"node-0 answered in {parts.Count} part(s)");
        Assert.Equal(Crowd, parts.Sum(p => p.Entries.Count));
        // It would read the first part as the whole snapshot and drop the rest of the crowd: node-0 does not answer it.
        Assert.DoesNotContain(older, s => s.Node == "node-0");
        Assert.Contains(older, s => s.Node == "node-1" && s.Parts == 1);
    }

    /// <summary>Every reply to a sync request within 2 s.</summary>
    private static async Task<List<PresenceSnapshot>> AskAsync(NatsConnection nats, PresenceSyncRequest request)
    {
        var replies = new List<PresenceSnapshot>();
        await foreach (var msg in nats.RequestManyAsync(
            NatsSubjects.PresenceSync,
            request,
            requestSerializer: new NatsJsonContextSerializer<PresenceSyncRequest>(ClusterJsonContext.Default),
            replySerializer: new NatsJsonContextSerializer<PresenceSnapshot>(ClusterJsonContext.Default),
            replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(2) }))
        {
            if (msg.Data is { } snapshot)
            {
                replies.Add(snapshot);
            }
        }

        return replies;
    }

    private static async Task<(TestCluster Cluster, Uri[] Nodes)> StartAsync()
    {
        var cluster = await TestCluster.StartAsync(Settings, natsMaxPayload: MaxPayload);
        var nodes = new[]
        {
            PhoenixTestClient.WebSocketUri(await cluster.StartNodeAsync("node-0")),
            PhoenixTestClient.WebSocketUri(await cluster.StartNodeAsync("node-1")),
        };

        // Each node hears the other's heartbeat before the first join.
        await cluster.StartApiAsync();
        await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => s.GetProperty("cluster_size").GetInt32() == 2);
        return (cluster, nodes);
    }

    private static async Task<PhoenixTestClient> JoinAsync(Uri node, string user)
    {
        var client = await PhoenixTestClient.ConnectAsync(node);
        var reply = await client.JoinAsync(Topic, new { token = JoinTokens.Issue([Topic], user: user) });
        Assert.True(reply.IsOk, reply.Reason);
        return client;
    }

    private static async Task<CrowdOfMembers> CrowdAsync(Uri node)
    {
        var crowd = new CrowdOfMembers();
        for (var first = 0; first < Crowd; first += 20)
        {
            crowd.Members.AddRange(await Task.WhenAll(Enumerable.Range(first, 20).Select(i => JoinAsync(node, User(i)))));
        }

        return crowd;
    }

    private static Task WaitMetasAsync(PhoenixTestClient client, int metas, string because, TimeSpan? timeout = null) =>
        Eventually.MatchAsync(() => Task.FromResult(PresenceView.Of(client, Topic).Metas), m => m == metas, timeout, because);

    /// <summary>The crowd's clients, closed together.</summary>
    private sealed class CrowdOfMembers : IAsyncDisposable
    {
        public List<PhoenixTestClient> Members { get; } = [];

        public async ValueTask DisposeAsync()
        {
            await Task.WhenAll(Members.Select(m => m.DisposeAsync().AsTask()));
        }
    }
}
