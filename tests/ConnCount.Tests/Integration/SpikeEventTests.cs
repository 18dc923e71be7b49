using System.Text.Json;
using ConnCount.Tests.Infrastructure;
using NATS.Client.Core;

namespace ConnCount.Tests.Integration;

public class SpikeEventTests
{
    [Fact]
    public async Task A_join_flood_on_a_topic_raises_a_spike_event_on_nats()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", new()
        {
            ["ConnCount__Spikes__MinJoinsPerSecond"] = "10",
            ["ConnCount__Spikes__SampleInterval"] = "00:00:00.500",
        });
        await using var nats = new NatsConnection(new NatsOpts { Url = cluster.NatsUrl });
        var events = new List<JsonElement>();
        using var stop = new CancellationTokenSource();
        var subscription = await nats.SubscribeCoreAsync<byte[]>("conncount.v1.events.spike", cancellationToken: stop.Token);
        var listening = Task.Run(async () =>
        {
            await foreach (var msg in subscription.Msgs.ReadAllAsync(stop.Token))
            {
                lock (events)
                {
                    events.Add(JsonDocument.Parse(msg.Data!).RootElement.Clone());
                }
            }
        });

        // A trickle, then a flood.
        await using var steady = await PhoenixTestClient.ConnectAsync(PhoenixTestClient.WebSocketUri(node));
        await steady.JoinAsync("calm");
        var flood = new List<PhoenixTestClient>();
        for (var i = 0; i < 40; i++)
        {
            var client = await PhoenixTestClient.ConnectAsync(PhoenixTestClient.WebSocketUri(node));
            await client.JoinAsync("flood");
            flood.Add(client);
        }

        var spike = await Eventually.MatchAsync(
            () => Task.FromResult(Snapshot(events).FirstOrDefault(e => e.GetProperty("scope").GetString() == "topic")),
            e => e.ValueKind == JsonValueKind.Object,
            TimeSpan.FromSeconds(10));
        Assert.Equal("flood", spike.GetProperty("topic").GetString());
        Assert.Equal("node-a", spike.GetProperty("node").GetString());
        Assert.True(spike.GetProperty("rate").GetDouble() >= 10);
        Assert.DoesNotContain(Snapshot(events), e => e.GetProperty("topic").ValueKind == JsonValueKind.String && e.GetProperty("topic").GetString() == "calm");

        await stop.CancelAsync();
        await subscription.DisposeAsync();
        await listening.ContinueWith(_ => { }, TaskScheduler.Default);
        foreach (var client in flood)
        {
            await client.DisposeAsync();
        }
    }

    private static List<JsonElement> Snapshot(List<JsonElement> events)
    {
        lock (events)
        {
            return [.. events];
        }
    }
}
