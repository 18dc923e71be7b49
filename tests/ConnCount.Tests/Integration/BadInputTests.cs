using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>One nats-server and one node shared by the cases of the bad-frame table.</summary>
public sealed class SharedNodeFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public Uri Node { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.StartAsync();
        Node = await Cluster.StartNodeAsync("node-shared");
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>Every malformed thing a client can send gets a clear answer and changes no count.</summary>
public class BadInputTests(SharedNodeFixture shared) : IClassFixture<SharedNodeFixture>
{
    private static Uri Ws(Uri http) => PhoenixTestClient.WebSocketUri(http);

    /// <summary>Frame sent → the reason expected in the answer (an error reply when the frame carried a ref, else a phx_error on "phoenix").</summary>
    public static TheoryData<string, string, string?> Frames => new()
    {
        { "not json at all", "frame is not valid JSON", null },
        { "{\"topic\":\"room\"}", "frame must be a JSON array [join_ref, ref, topic, event, payload]", null },
        { "[\"1\",\"7\",\"room\",\"phx_join\"]", "payload must be a JSON object", "7" },
        { "[\"1\",\"7\",\"room\",\"phx_join\",{},{}]", "frame must have exactly five elements", "7" },
        { "[true,\"7\",\"room\",\"phx_join\",{}]", "join_ref and ref must be strings or null", null },
        { "[\"1\",\"7\",42,\"phx_join\",{}]", "topic and event must be strings", null },
        { "[\"1\",\"7\",\"room\",\"phx_join\",\"payload\"]", "payload must be a JSON object", "7" },
        { "[]", "join_ref and ref must be strings or null", null },
        { "[null,\"7\",\"room\",\"phx_join\",{}]", "missing join_ref", "7" },
        { "[\"7\",\"7\",\"\",\"phx_join\",{}]", "invalid topic", "7" },
        { "[\"7\",\"7\",\"" + new string('x', 257) + "\",\"phx_join\",{}]", "topic too long", "7" },
        { "[\"7\",\"7\",\"phoenix\",\"phx_join\",{}]", "reserved topic", "7" },
        { "[null,\"7\",\"never-joined\",\"get_connection_stats\",{}]", "unmatched topic", "7" },
        { "[null,\"7\",\"never-joined\",\"phx_leave\",{}]", "unmatched topic", "7" },
        { "[null,\"7\",\"room:joined\",\"no_such_event\",{}]", "unknown event", "7" },
        { "[null,\"7\",\"room:joined\",\"heartbeat\",{}]", "unknown event", "7" },
        { "[null,\"7\",\"phoenix\",\"get_connection_stats\",{}]", "unmatched topic", "7" },
    };

    [Theory]
    [MemberData(nameof(Frames))]
    public async Task Malformed_frames_get_a_clear_answer_and_change_no_count(string frame, string reason, string? replyRef)
    {
        await using var client = await PhoenixTestClient.ConnectAsync(Ws(shared.Node));
        await client.JoinAsync("room:joined");

        if (replyRef is not null)
        {
            var reply = await client.SendRawAsync(frame, replyRef);
            Assert.Equal("error", reply!.Status);
            Assert.Equal(reason, reply.Response.GetProperty("reason").GetString());
        }
        else
        {
            await client.SendRawAsync(frame);
            var error = await Eventually.MatchAsync(
                () => Task.FromResult(client.Pushes.FirstOrDefault(p => p[3].GetString() == "phx_error")),
                p => p.ValueKind == JsonValueKind.Array);
            Assert.Equal("phoenix", error[2].GetString());
            Assert.Equal(reason, error[4].GetProperty("reason").GetString());
        }

        // The node is shared by the table's cases: earlier clients may still be on their way out.
        var stats = await Eventually.MatchAsync(
            async () => (await client.PushAsync("room:joined", "get_connection_stats")).Response,
            s => s.GetProperty("sockets").GetInt64() == 1);
        Assert.Equal(1, stats.GetProperty("total").GetInt64());
        Assert.Equal(1, stats.GetProperty("connections").GetProperty("room:joined").GetInt64());
        Assert.Equal(WebSocketState.Open, client.State);
    }

    [Fact]
    public async Task Binary_frames_close_with_1003_and_oversized_messages_with_1009_and_their_joins_end()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", new() { ["ConnCount__Node__MaxFrameBytes"] = "1024" });
        await using var watcher = await PhoenixTestClient.ConnectAsync(Ws(node));
        await watcher.JoinAsync("room");
        await using var binary = await PhoenixTestClient.ConnectAsync(Ws(node));
        await binary.JoinAsync("room");
        await using var big = await PhoenixTestClient.ConnectAsync(Ws(node));
        await big.JoinAsync("room");

        await binary.SendBytesAsync([1, 2, 3], WebSocketMessageType.Binary);
        await big.SendBytesAsync(Encoding.UTF8.GetBytes("[null,\"1\",\"room\",\"x\",{\"pad\":\"" + new string('x', 5000) + "\"}]"), WebSocketMessageType.Text);

        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, await binary.Closed.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await big.Closed.WaitAsync(TimeSpan.FromSeconds(10)));
        var stats = await Eventually.MatchAsync(
            async () => (await watcher.PushAsync("room", "get_connection_stats")).Response,
            s => s.GetProperty("sockets").GetInt64() == 1);
        Assert.Equal(1, stats.GetProperty("connections").GetProperty("room").GetInt64());
    }

    [Fact]
    public async Task Invalid_utf8_closes_the_socket_with_1007_and_its_joins_end()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a");
        await using var watcher = await PhoenixTestClient.ConnectAsync(Ws(node));
        await watcher.JoinAsync("room");
        await using var client = await PhoenixTestClient.ConnectAsync(Ws(node));
        await client.JoinAsync("room");

        var bytes = Encoding.UTF8.GetBytes("[null,\"9\",\"room\",\"get_connection_stats\",{}]");
        bytes[12] = 0xC3; // a lead byte without its continuation, inside the topic
        bytes[13] = 0x28;
        await client.SendBytesAsync(bytes, WebSocketMessageType.Text);

        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, await client.Closed.WaitAsync(TimeSpan.FromSeconds(10)));
        var stats = await Eventually.MatchAsync(
            async () => (await watcher.PushAsync("room", "get_connection_stats")).Response,
            s => s.GetProperty("sockets").GetInt64() == 1);
        Assert.Equal(1, stats.GetProperty("connections").GetProperty("room").GetInt64());
    }

    [Fact]
    public async Task Ten_thousand_random_frames_leave_counts_exactly_at_the_ledger()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", new() { ["ConnCount__RateLimits__JoinsPerSecondPerSocket"] = "100000" });
        var random = new Random(20261126);
        var clients = new List<PhoenixTestClient>();
        for (var i = 0; i < 8; i++)
        {
            clients.Add(await PhoenixTestClient.ConnectAsync(Ws(node)));
        }

        // The ledger follows the server's own answers to valid joins and leaves.
        var joined = clients.Select(_ => new HashSet<string>()).ToArray();
        string[] topics = ["a", "b", "c", "d", "room:1", "room:2"];
        var nextRef = 100_000;
        for (var i = 0; i < 10_000; i++)
        {
            var c = random.Next(clients.Count);
            var topic = topics[random.Next(topics.Length)];
            var msgRef = (nextRef++).ToString(System.Globalization.CultureInfo.InvariantCulture);
            switch (random.Next(6))
            {
                case 0:
                {
                    var reply = await clients[c].SendRawAsync($"[\"{msgRef}\",\"{msgRef}\",\"{topic}\",\"phx_join\",{{}}]", msgRef);
                    if (reply!.Status == "ok")
                    {
                        joined[c].Add(topic);
                    }

                    break;
                }

                case 1:
                {
                    var reply = await clients[c].SendRawAsync($"[null,\"{msgRef}\",\"{topic}\",\"phx_leave\",{{}}]", msgRef);
                    if (reply!.Status == "ok")
                    {
                        Assert.True(joined[c].Remove(topic));
                    }

                    break;
                }

                case 2 when random.Next(3) == 0:
                {
                    // Random characters (valid UTF-8: invalid UTF-8 closes the socket, tested apart); unanswerable
                    // by ref, so not awaited: the socket handles frames in order.
                    var chars = new char[random.Next(0, 64)];
                    for (var k = 0; k < chars.Length; k++)
                    {
                        chars[k] = (char)random.Next(0x20, 0xD7FF);
                    }

                    await clients[c].SendRawAsync(new string(chars));
                    break;
                }

                default:
                    // Garbage: random bytes, truncated frames, wrong types, unknown events; a ref makes it answerable.
                    await clients[c].SendRawAsync(Garbage(random, topic, msgRef), msgRef);
                    break;
            }
        }

        var expected = topics.ToDictionary(t => t, t => (long)joined.Count(j => j.Contains(t)));
        var stats = (await clients[0].PushAsync("a", "get_connection_stats")).Response;
        if (!joined[0].Contains("a"))
        {
            // get_connection_stats needs a joined topic; the reply above was "unmatched topic". Join, count it, ask again.
            await clients[0].JoinAsync("a");
            joined[0].Add("a");
            expected["a"]++;
            stats = (await clients[0].PushAsync("a", "get_connection_stats")).Response;
        }

        foreach (var (topic, count) in expected)
        {
            var actual = stats.GetProperty("connections").TryGetProperty(topic, out var v) ? v.GetInt64() : 0;
            Assert.Equal(count, actual);
        }

        Assert.Equal(8, stats.GetProperty("sockets").GetInt64());
        foreach (var client in clients.Skip(1))
        {
            client.Abort();
            await client.DisposeAsync();
        }

        var final = await Eventually.MatchAsync(
            async () => (await clients[0].PushAsync("a", "get_connection_stats")).Response,
            s => s.GetProperty("sockets").GetInt64() == 1);
        Assert.Equal(joined[0].Count, final.GetProperty("total").GetInt64());
        await clients[0].DisposeAsync();
    }

    /// <summary>A frame that is wrong in one of many ways, each still carrying <paramref name="msgRef"/> so the server's answer can be awaited.</summary>
    private static string Garbage(Random random, string topic, string msgRef) => random.Next(8) switch
    {
        0 => $"[null,\"{msgRef}\",\"{topic}\",\"unknown_{random.Next(100)}\",{{}}]",
        1 => $"[null,\"{msgRef}\",\"{topic}\",\"phx_join\",{{}}]", // join without join_ref
        2 => $"[\"{msgRef}\",\"{msgRef}\",\"{topic}\",\"phx_join\",\"not-an-object\"]",
        3 => $"[\"{msgRef}\",\"{msgRef}\",\"{topic}\",\"phx_join\",{{}},\"extra\"]",
        4 => $"[\"{msgRef}\",\"{msgRef}\",\"\",\"phx_join\",{{}}]",
        5 => $"[null,\"{msgRef}\",\"{topic}\",\"heartbeat\",{{}}]",
        6 => $"[null,\"{msgRef}\",\"{topic}\",\"get_connection_stats\",{{\"x\":[1,2,{{\"y\":null}}]}}]",
        _ => $"[\"{msgRef}\",\"{msgRef}\",\"{new string((char)('a' + random.Next(26)), 300)}\",\"phx_join\",{{}}]",
    };
}
