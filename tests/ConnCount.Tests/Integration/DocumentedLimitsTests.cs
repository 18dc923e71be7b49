using System.Net.WebSockets;
using System.Text.Json;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>Behaviour docs/protection.md promises at the edges: token clock skew, topic length, JSON depth, idle timeout.</summary>
public class DocumentedLimitsTests
{
    private static Uri Ws(Uri http) => PhoenixTestClient.WebSocketUri(http);

    private static Dictionary<string, string> Protected(string? clockSkew = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["ConnCount__Auth__ProtectedTopics__0"] = "private:*",
            ["ConnCount__Auth__SigningKey"] = JoinTokens.SigningKey,
        };
        if (clockSkew is not null)
        {
            settings["ConnCount__Auth__ClockSkew"] = clockSkew;
        }

        return settings;
    }

    [Fact]
    public async Task A_token_that_expired_20_seconds_ago_is_refused_by_default_and_taken_within_a_configured_skew()
    {
        await using var cluster = await TestCluster.StartAsync();
        var strict = await cluster.StartNodeAsync("node-a", Protected());
        var lenient = await cluster.StartNodeAsync("node-b", Protected(clockSkew: "00:01:00"));
        var expired = JoinTokens.Issue(["private:a"], lifetime: TimeSpan.FromSeconds(-20));

        await using var a = await PhoenixTestClient.ConnectAsync(Ws(strict));
        Assert.Equal("unauthorized", (await a.JoinAsync("private:a", new { token = expired })).Reason);
        await using var b = await PhoenixTestClient.ConnectAsync(Ws(lenient));
        Assert.Null((await b.JoinAsync("private:a", new { token = expired })).Reason);
    }

    [Fact]
    public async Task A_node_refuses_to_start_with_a_clock_skew_out_of_range()
    {
        await using var cluster = await TestCluster.StartAsync();
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => cluster.StartNodeAsync("node-a", Protected(clockSkew: "01:00:00")));
        Assert.Contains("ConnCount:Auth:ClockSkew", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_topic_limit_counts_UTF16_code_units()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a");
        await using var client = await PhoenixTestClient.ConnectAsync(Ws(node));
        var emoji = "\U0001F600"; // one character, two UTF-16 code units, four UTF-8 bytes

        Assert.Null((await client.JoinAsync(string.Concat(Enumerable.Repeat(emoji, 128)))).Reason);
        Assert.Equal("topic too long", (await client.JoinAsync(string.Concat(Enumerable.Repeat(emoji, 128)) + "x")).Reason);
        Assert.Null((await client.JoinAsync(new string('é', 256))).Reason);
        Assert.Equal("topic too long", (await client.JoinAsync(new string('a', 257))).Reason);
    }

    [Fact]
    public async Task A_frame_nested_deeper_than_32_is_refused_and_counts_nothing()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a");
        await using var client = await PhoenixTestClient.ConnectAsync(Ws(node));

        // The frame array is depth 1, so a payload of n nested objects makes the frame n + 1 deep.
        static string Frame(string reference, string topic, int payloadDepth) =>
            $"[\"{reference}\",\"{reference}\",\"{topic}\",\"phx_join\",{Nested(payloadDepth)}]";
        static string Nested(int depth) => depth == 1 ? "{}" : "{\"a\":" + Nested(depth - 1) + "}";

        var deepest = await client.SendRawAsync(Frame("raw-1", "deep:31", 31), awaitRef: "raw-1");
        Assert.Null(deepest!.Reason);
        var tooDeep = await client.SendRawAsync(Frame("raw-2", "deep:32", 32), awaitRef: "raw-2");
        Assert.Equal("frame is not valid JSON", tooDeep!.Reason);

        var stats = (await client.PushAsync("deep:31", "get_connection_stats")).Response;
        Assert.Equal(1, stats.GetProperty("total").GetInt64());
        Assert.False(stats.GetProperty("connections").TryGetProperty("deep:32", out _));
    }

    [Fact]
    public async Task An_idle_socket_gets_a_1001_close_frame_and_its_memberships_end()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", new() { ["ConnCount__Node__IdleTimeout"] = "00:00:01" });
        var idle = await PhoenixTestClient.ConnectAsync(Ws(node));
        await idle.JoinAsync("room");

        var status = await idle.Closed.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, status);
        await idle.DisposeAsync();

        // The idle client never answered the close frame: the node cuts it off after its 3 s grace.
        await using var observer = await PhoenixTestClient.ConnectAsync(Ws(node));
        await observer.JoinAsync("observer");
        var stats = await Eventually.MatchAsync(
            async () => (await observer.PushAsync("observer", "get_connection_stats")).Response,
            s => s.GetProperty("sockets").GetInt64() == 1,
            because: "the idle socket is gone once the grace has passed");
        Assert.False(stats.GetProperty("connections").TryGetProperty("room", out _));
    }
}
