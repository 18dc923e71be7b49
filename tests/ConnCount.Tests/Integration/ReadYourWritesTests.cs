using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>
/// Exact for every reader: while many pollers keep gathers in flight, an answer asked for right after a join or a
/// leave was acknowledged reflects it, on the REST API and in the channel events alike.
/// </summary>
public class ReadYourWritesTests
{
    private const int Rounds = 60;

    [Fact]
    public async Task An_answer_reflects_every_join_and_leave_acknowledged_before_it_was_asked_under_polling_load()
    {
        await using var cluster = await TestCluster.StartAsync();
        var a = await cluster.StartNodeAsync("node-a");
        var b = await cluster.StartNodeAsync("node-b");
        await cluster.StartApiAsync();
        await using var member = await PhoenixTestClient.ConnectAsync(PhoenixTestClient.WebSocketUri(a));
        await using var asker = await PhoenixTestClient.ConnectAsync(PhoenixTestClient.WebSocketUri(b));
        Assert.True((await asker.JoinAsync("ryw:asker")).IsOk);

        // Pollers keep a gather in flight nearly all the time, on the API and on node-b's own cluster client.
        using var stop = new CancellationTokenSource();
        var pollers = Enumerable.Range(0, 40).Select(_ => PollAsync(async () => (await cluster.Api.GetAsync("/api/stats", stop.Token)).Dispose(), stop.Token)).ToList();
        var channelPollers = new List<PhoenixTestClient>();
        for (var i = 0; i < 8; i++)
        {
            var poller = await PhoenixTestClient.ConnectAsync(PhoenixTestClient.WebSocketUri(b));
            Assert.True((await poller.JoinAsync("ryw:poller")).IsOk);
            channelPollers.Add(poller);
            pollers.Add(PollAsync(() => poller.PushAsync("ryw:poller", "get_cluster_connection_stats", stop.Token), stop.Token));
        }

        var wrong = new List<string>();
        for (var round = 0; round < Rounds; round++)
        {
            // A fresh topic every round: no earlier answer can happen to be right.
            var topic = $"ryw:{round}";
            Assert.True((await member.JoinAsync(topic)).IsOk);
            var joinedRest = await RestTotalAsync(cluster, topic);
            var joinedEvent = EventTotal(await asker.PushAsync("ryw:asker", "get_cluster_connection_stats"), topic);
            Assert.True((await member.LeaveAsync(topic)).IsOk);
            var leftRest = await RestTotalAsync(cluster, topic);
            var leftEvent = EventTotal(await asker.PushAsync("ryw:asker", "get_cluster_connection_stats"), topic);

            if ((joinedRest, joinedEvent, leftRest, leftEvent) != (1, 1, 0, 0))
            {
                wrong.Add($"{topic}: after join REST {joinedRest}, event {joinedEvent}; after leave REST {leftRest}, event {leftEvent}");
            }
        }

        await stop.CancelAsync();
        await Task.WhenAll(pollers);
        foreach (var poller in channelPollers)
        {
            await poller.DisposeAsync();
        }

        Assert.Empty(wrong);
    }

    /// <summary>The topic's cluster total from <c>GET /api/stats/topics/{topic}</c>; 0 for a 404 (no member anywhere).</summary>
    private static async Task<long> RestTotalAsync(TestCluster cluster, string topic)
    {
        using var response = await cluster.Api.GetAsync($"/api/stats/topics/{topic}");
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return 0;
        }

        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(body.GetProperty("partial").GetBoolean());
        return body.GetProperty("total").GetInt64();
    }

    private static long EventTotal(PhoenixReply reply, string topic)
    {
        Assert.True(reply.IsOk, reply.Reason);
        Assert.False(reply.Response.GetProperty("partial").GetBoolean());
        return reply.Response.GetProperty("topics").TryGetProperty(topic, out var counts) ? counts.GetProperty("total").GetInt64() : 0;
    }

    private static async Task PollAsync(Func<Task> poll, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await poll();
            }
            catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or TimeoutException)
            {
            }
        }
    }
}
