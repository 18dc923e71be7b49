using System.Text.Json;
using ConnCount.Tests.Infrastructure;
using NATS.Client.Core;

namespace ConnCount.Tests.Integration;

public class ThresholdEventTests
{
    [Fact]
    public async Task Crossing_a_cluster_threshold_up_and_down_publishes_events()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a");
        await cluster.StartApiAsync(new()
        {
            ["ConnCount__Thresholds__Interval"] = "00:00:00.300",
            ["ConnCount__Thresholds__Rules__0__Name"] = "capacity",
            ["ConnCount__Thresholds__Rules__0__Scope"] = "cluster",
            ["ConnCount__Thresholds__Rules__0__Metric"] = "sockets",
            ["ConnCount__Thresholds__Rules__0__Up"] = "3",
            ["ConnCount__Thresholds__Rules__0__Down"] = "1",
        });
        await using var nats = new NatsConnection(new NatsOpts { Url = cluster.NatsUrl });
        await using var subscription = await nats.SubscribeCoreAsync<byte[]>("conncount.v1.events.threshold");

        var clients = new List<PhoenixTestClient>();
        for (var i = 0; i < 3; i++)
        {
            clients.Add(await PhoenixTestClient.ConnectAsync(PhoenixTestClient.WebSocketUri(node)));
        }

        var up = await NextAsync(subscription);
        Assert.Equal(("capacity", "up", 3L), (up.GetProperty("rule").GetString(), up.GetProperty("direction").GetString(), up.GetProperty("value").GetInt64()));

        // Down to 2 is inside the hysteresis band; down to 1 crosses.
        await clients[0].DisposeAsync();
        await clients[1].DisposeAsync();
        var down = await NextAsync(subscription);
        Assert.Equal("down", down.GetProperty("direction").GetString());
        Assert.Equal(1, down.GetProperty("value").GetInt64());
        await clients[2].DisposeAsync();
    }

    private static async Task<JsonElement> NextAsync(INatsSub<byte[]> subscription)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var msg = await subscription.Msgs.ReadAsync(timeout.Token);
        return JsonDocument.Parse(msg.Data!).RootElement.Clone();
    }
}
