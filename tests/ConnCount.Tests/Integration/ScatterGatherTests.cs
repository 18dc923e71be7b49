using System.Diagnostics;
using ConnCount.Cluster.Aggregation;
using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Gathering;
using ConnCount.SocketNode.Presence;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;

namespace ConnCount.Tests.Integration;

/// <summary>
/// One gather against a real nats-server, with responders that answer in one message or in several: a node is done at
/// its last reply, and a gather ends as soon as every awaited node is done, or at its timeout with the replies so far;
/// with nobody listening it ends at once. Gathers share one reply subscription per connection (GatherInbox).
/// </summary>
public class ScatterGatherTests
{
    private const string Subject = "conncount.test.gather";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private static readonly NatsJsonContextSerializer<PresenceSyncRequest> RequestSerializer = new(ClusterJsonContext.Default);
    private static readonly NatsJsonContextSerializer<PresenceSnapshot> ReplySerializer = new(ClusterJsonContext.Default);

    private static readonly KnownNode[] Nodes =
    [
        new("node-a", DateTimeOffset.UnixEpoch, 0, 0, DateTimeOffset.UnixEpoch),
        new("node-b", DateTimeOffset.UnixEpoch, 0, 0, DateTimeOffset.UnixEpoch),
    ];

    [Fact]
    public async Task A_node_answering_in_parts_is_waited_for_until_its_last_part()
    {
        await using var nats = await Responders.StartAsync(("node-a", 3, true), ("node-b", 1, true));

        var (replies, elapsed) = await GatherAsync(nats.Connection, PresenceSnapshotParts.IsLast);

        Assert.Equal(["node-a:0", "node-a:1", "node-a:2", "node-b:0"], replies.Select(r => $"{r.Node}:{r.Part}").Order(StringComparer.Ordinal));
        Assert.True(elapsed < Timeout / 2, $"the gather ended once both nodes were done, not at its timeout ({elapsed})");
    }

    [Fact]
    public async Task A_node_whose_last_part_never_comes_is_waited_for_until_the_timeout()
    {
        await using var nats = await Responders.StartAsync(("node-a", 3, false), ("node-b", 1, true));

        var (replies, elapsed) = await GatherAsync(nats.Connection, PresenceSnapshotParts.IsLast);

        Assert.Equal(["node-a:0", "node-a:1", "node-b:0"], replies.Select(r => $"{r.Node}:{r.Part}").Order(StringComparer.Ordinal));
        Assert.True(elapsed >= Timeout - TimeSpan.FromMilliseconds(100), $"node-a was still awaited ({elapsed})");
    }

    [Fact]
    public async Task By_default_a_nodes_first_reply_is_its_answer()
    {
        await using var nats = await Responders.StartAsync(("node-a", 3, false), ("node-b", 1, true));

        var (replies, elapsed) = await GatherAsync(nats.Connection, isLast: null);

        Assert.Contains(replies, r => r is { Node: "node-a", Part: 0 });
        Assert.Contains(replies, r => r is { Node: "node-b", Part: 0 });
        Assert.True(elapsed < Timeout / 2, $"the gather ended once both nodes had answered, as the stats and usage gathers do ({elapsed})");
    }

    [Fact]
    public async Task A_gather_nobody_listens_to_ends_at_once_with_no_replies()
    {
        await using var nats = await Responders.StartAsync();

        var (replies, elapsed) = await GatherAsync(nats.Connection, isLast: null);

        Assert.Empty(replies);
        Assert.True(elapsed < Timeout / 2, $"NATS said nobody listens, and the gather ended then ({elapsed})");
    }

    [Fact]
    public async Task Concurrent_gathers_on_one_connection_each_get_every_reply_once()
    {
        await using var nats = await Responders.StartAsync(("node-a", 2, true), ("node-b", 1, true));

        var gathers = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => GatherAsync(nats.Connection, PresenceSnapshotParts.IsLast)));

        Assert.All(gathers, gather => Assert.Equal(
            ["node-a:0", "node-a:1", "node-b:0"], gather.Replies.Select(r => $"{r.Node}:{r.Part}").Order(StringComparer.Ordinal)));
    }

    [Fact]
    public async Task A_reply_that_is_not_json_is_skipped_and_later_gathers_still_work()
    {
        await using var nats = await Responders.StartAsync(("node-a", 1, true), ("node-b", 1, true));
        await using var garbage = await nats.Connection.SubscribeCoreAsync<byte[]>(Subject);
        var answering = Task.Run(async () =>
        {
            await foreach (var msg in garbage.Msgs.ReadAllAsync())
            {
                await msg.ReplyAsync("{\"node\": not json"u8.ToArray());
            }
        });
        await nats.Connection.PingAsync();

        for (var round = 0; round < 3; round++)
        {
            var (replies, elapsed) = await GatherAsync(nats.Connection, isLast: null);
            Assert.Equal(["node-a", "node-b"], replies.Select(r => r.Node).Order(StringComparer.Ordinal));
            Assert.True(elapsed < Timeout / 2, $"both nodes answered ({elapsed})");
        }

        await garbage.UnsubscribeAsync();
        await answering;
    }

    [Fact]
    public async Task Gathers_still_get_their_replies_after_a_full_garbage_collection()
    {
        await using var nats = await Responders.StartAsync(("node-a", 1, true), ("node-b", 1, true));
        var (before, _) = await GatherAsync(nats.Connection, isLast: null);

        // NATS.Net holds subscriptions weakly: a reply subscription nobody keeps would be collected here and its
        // replies dropped.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var (after, elapsed) = await GatherAsync(nats.Connection, isLast: null);

        Assert.Equal(2, before.Count);
        Assert.Equal(["node-a", "node-b"], after.Select(r => r.Node).Order(StringComparer.Ordinal));
        Assert.True(elapsed < Timeout / 2, $"both nodes answered the gather after the collection ({elapsed})");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_caller_resumes_on_the_connections_read_loop_only_when_it_asks_to(bool resumeOnReplyThread)
    {
        // The nodes answer late, so the caller is surely waiting when the last reply is read: a gather whose replies
        // all came before it awaited resumes nowhere, it just goes on.
        await using var nats = await Responders.StartAsync(TimeSpan.FromMilliseconds(200), ("node-a", 1, true), ("node-b", 1, true));

        // Off the test framework's synchronization context, so the continuation runs where the gather resumed it.
        var (replies, onReadLoop) = await Task.Run(async () =>
        {
            var (replies, _) = await GatherAsync(nats.Connection, isLast: null, resumeOnReplyThread);
            // Resumed inline, the caller runs inside NATS.Net's read loop, which called the inbox with the last reply.
            var onReadLoop = new StackTrace().GetFrames().Any(
                frame => frame.GetMethod()?.DeclaringType?.FullName?.StartsWith("NATS.Client.Core.", StringComparison.Ordinal) == true);
            return (replies, onReadLoop);
        });

        Assert.Equal(["node-a", "node-b"], replies.Select(r => r.Node).Order(StringComparer.Ordinal));
        Assert.Equal(resumeOnReplyThread, onReadLoop);

        // The connection reads on once the caller awaits: the next gather gets its replies.
        var (next, elapsed) = await GatherAsync(nats.Connection, isLast: null, resumeOnReplyThread);
        Assert.Equal(2, next.Count);
        Assert.True(elapsed < Timeout / 2, $"both nodes answered the next gather ({elapsed})");
    }

    private static Task<(List<PresenceSnapshot> Replies, TimeSpan Elapsed)> GatherAsync(
        INatsConnection nats, Func<PresenceSnapshot, bool>? isLast, bool resumeOnReplyThread = false) =>
        ScatterGather.GatherAsync(
            nats, Subject, new PresenceSyncRequest("room:1"), RequestSerializer, ReplySerializer, Nodes, r => r.Node, Timeout, NullLogger.Instance,
            isLast, resumeOnReplyThread);

    /// <summary>
    /// A nats-server, a connection to it, and one responder per node answering each request with its parts, the last
    /// one withheld unless asked for.
    /// </summary>
    private sealed class Responders : IAsyncDisposable
    {
        private readonly List<(INatsSub<PresenceSyncRequest> Subscription, Task Loop)> _responders = [];

        private Responders(ExternalProcess server, NatsConnection connection)
        {
            Server = server;
            Connection = connection;
        }

        public ExternalProcess Server { get; }

        public NatsConnection Connection { get; }

        public static Task<Responders> StartAsync(params (string Node, int Parts, bool SendLast)[] nodes) =>
            StartAsync(TimeSpan.Zero, nodes);

        /// <summary>Responders that wait <paramref name="answerDelay"/> before answering each request.</summary>
        public static async Task<Responders> StartAsync(TimeSpan answerDelay, params (string Node, int Parts, bool SendLast)[] nodes)
        {
            var port = FreePort.Next();
            var connection = new NatsConnection(new NatsOpts { Url = $"nats://127.0.0.1:{port}" });
            var responders = new Responders(await NatsServer.StartAsync(port), connection);
            await connection.ConnectAsync();
            foreach (var (node, parts, sendLast) in nodes)
            {
                var subscription = await connection.SubscribeCoreAsync(Subject, serializer: RequestSerializer);
                responders._responders.Add((subscription, AnswerAsync(subscription, node, sendLast ? parts : parts - 1, parts, answerDelay)));
            }

            // A round trip after the SUBs: the server has them before the gather publishes.
            await connection.PingAsync();
            return responders;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var (subscription, loop) in _responders)
            {
                await subscription.DisposeAsync();
                await loop;
            }

            await Connection.DisposeAsync();
            await Server.DisposeAsync();
        }

        private static async Task AnswerAsync(INatsSub<PresenceSyncRequest> subscription, string node, int sent, int parts, TimeSpan delay)
        {
            await foreach (var msg in subscription.Msgs.ReadAllAsync())
            {
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay);
                }

                for (var part = 0; part < sent; part++)
                {
                    await msg.ReplyAsync(new PresenceSnapshot(node, DateTimeOffset.UnixEpoch, "room:1", 1, [], part, parts), serializer: ReplySerializer);
                }
            }
        }
    }
}
