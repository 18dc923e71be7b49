using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ConnCount.Cluster.Aggregation;
using ConnCount.SocketNode;
using ConnCount.SocketNode.Memberships;
using ConnCount.SocketNode.Protocol;
using ConnCount.SocketNode.Sockets;
using ConnCount.SocketNode.Usage;
using ConnCount.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.Core;

namespace ConnCount.Tests.Unit;

/// <summary>
/// The protocol with frames in and frames out, on the node's real services and no WebSocket: what a socket is sent,
/// and what the node counts, for each frame it sends.
/// </summary>
public sealed class PhoenixProtocolTests : IAsyncDisposable
{
    private readonly WebApplication _node;
    private readonly PhoenixProtocol _protocol;
    private readonly TopicTable _topics;

    public PhoenixProtocolTests()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["ConnCount:Node:MaxTopicLength"] = "16";
        // Never connected: nothing these tests send reaches the cluster.
        builder.Services.AddSingleton<INatsConnection>(new NatsConnection(new NatsOpts { Url = "nats://127.0.0.1:1" }));
        builder.AddSocketNode();
        _node = builder.Build();
        _protocol = _node.Services.GetRequiredService<PhoenixProtocol>();
        _topics = _node.Services.GetRequiredService<TopicTable>();
    }

    public async ValueTask DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task A_heartbeat_is_answered_ok()
    {
        var socket = Open();
        await SendAsync(socket, """[null,"1","phoenix","heartbeat",{}]""");

        Assert.Equal("""[null,"1","phoenix","phx_reply",{"status":"ok","response":{}}]""", Assert.Single(socket.Frames));
    }

    [Fact]
    public async Task A_join_is_counted_before_its_reply_and_a_leave_counts_it_down_then_closes_the_channel()
    {
        var socket = Open();
        await SendAsync(socket, """["1","1","room:a","phx_join",{}]""");
        Assert.Equal("""["1","1","room:a","phx_reply",{"status":"ok","response":{}}]""", Assert.Single(socket.Frames));
        Assert.Equal(1, _topics.Count("room:a"));
        Assert.Equal(1, Usage().Topics["room:a"].Open);

        await SendAsync(socket, """["1","2","room:a","phx_leave",{}]""");
        Assert.Equal(
            ["""["1","2","room:a","phx_reply",{"status":"ok","response":{}}]""", """["1","1","room:a","phx_close",{}]"""],
            socket.Frames.Skip(1));
        Assert.Equal(0, _topics.Count("room:a"));
        Assert.Equal(0, Usage().Topics["room:a"].Open);
    }

    [Fact]
    public async Task A_rejoin_closes_the_old_channel_and_counts_once()
    {
        var socket = Open();
        await SendAsync(socket, """["1","1","room:a","phx_join",{}]""");
        await SendAsync(socket, """["3","3","room:a","phx_join",{}]""");

        Assert.Equal(
            ["""["1","1","room:a","phx_close",{}]""", """["3","3","room:a","phx_reply",{"status":"ok","response":{}}]"""],
            socket.Frames.Skip(1));
        Assert.Equal(1, _topics.Count("room:a"));
    }

    [Fact]
    public async Task A_closed_socket_ends_every_membership_once_and_frees_its_slot()
    {
        var sockets = _node.Services.GetRequiredService<OpenSockets>();
        var socket = Open();
        await SendAsync(socket, """["1","1","room:a","phx_join",{}]""");
        await SendAsync(socket, """["2","2","room:b","phx_join",{}]""");
        await SendAsync(socket, """["3","3","stats:cluster","phx_join",{}]""");
        Assert.Equal(1, sockets.Count);
        Assert.Equal(2, _topics.TotalMemberships);
        Assert.Equal(1, _node.Services.GetRequiredService<WatcherTable>().Count);

        _protocol.Closed(socket);

        Assert.Equal(0, sockets.Count);
        Assert.Equal(0, _topics.TotalMemberships);
        Assert.Equal(0, _node.Services.GetRequiredService<WatcherTable>().Count);
        Assert.Equal(2, Usage().Totals.Leaves);
    }

    [Fact]
    public async Task A_watcher_is_counted_apart_and_changes_no_topic()
    {
        var socket = Open();
        await SendAsync(socket, """["1","1","stats:room:a","phx_join",{}]""");

        Assert.Equal("""["1","1","stats:room:a","phx_reply",{"status":"ok","response":{}}]""", Assert.Single(socket.Frames));
        Assert.Equal(1, _node.Services.GetRequiredService<WatcherTable>().Count);
        Assert.Equal(0, _topics.TotalMemberships);
        Assert.Empty(Usage().Topics);
    }

    [Theory]
    [InlineData("""["1","1","room:far-too-long-for-this-node","phx_join",{}]""", """["1","1","room:far-too-long-for-this-node","phx_reply",{"status":"error","response":{"reason":"topic too long"}}]""")]
    [InlineData("""[null,"1","room:a","phx_join",{}]""", """[null,"1","room:a","phx_reply",{"status":"error","response":{"reason":"missing join_ref"}}]""")]
    [InlineData("""["1","1","phoenix","phx_join",{}]""", """["1","1","phoenix","phx_reply",{"status":"error","response":{"reason":"reserved topic"}}]""")]
    [InlineData("""["1","2","room:a","phx_leave",{}]""", """["1","2","room:a","phx_reply",{"status":"error","response":{"reason":"unmatched topic"}}]""")]
    [InlineData("""["1","2","room:a","get_connection_stats",{}]""", """["1","2","room:a","phx_reply",{"status":"error","response":{"reason":"unmatched topic"}}]""")]
    public async Task A_refused_frame_gets_its_reason_and_changes_no_count(string frame, string reply)
    {
        var socket = Open();
        await SendAsync(socket, frame);

        Assert.Equal(reply, Assert.Single(socket.Frames));
        Assert.Equal(0, _topics.TotalMemberships);
        Assert.Equal(0, Usage().Totals.Joins);
    }

    [Fact]
    public async Task A_frame_that_is_not_a_phoenix_message_gets_a_socket_error()
    {
        var socket = Open();
        await SendAsync(socket, "not json");

        using var error = JsonDocument.Parse(Assert.Single(socket.Frames));
        Assert.Equal("phoenix", error.RootElement[2].GetString());
        Assert.Equal(PhoenixEvents.Error, error.RootElement[3].GetString());
        Assert.False(string.IsNullOrEmpty(error.RootElement[4].GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task A_joined_channel_answers_its_stats_event()
    {
        var socket = Open();
        await SendAsync(socket, """["1","1","room:a","phx_join",{}]""");
        await SendAsync(socket, """["1","2","room:a","get_connection_stats",{}]""");

        using var reply = JsonDocument.Parse(socket.Frames[1]);
        var response = reply.RootElement[4];
        Assert.Equal("ok", response.GetProperty("status").GetString());
        Assert.Equal(1, response.GetProperty("response").GetProperty("connections").GetProperty("room:a").GetInt64());
    }

    private RecordingConnection Open()
    {
        Assert.True(_node.Services.GetRequiredService<OpenSockets>().TryOpen(long.MaxValue));
        var socket = new RecordingConnection();
        _protocol.Opened(socket);
        return socket;
    }

    private Task SendAsync(RecordingConnection socket, string frame) =>
        _protocol.HandleAsync(socket, Encoding.UTF8.GetBytes(frame), CancellationToken.None);

    private Cluster.Contracts.UsageReport Usage() =>
        _node.Services.GetRequiredService<UsageLedger>().Report("node-a", DateTimeOffset.UtcNow, UsageQuery.Default);
}
