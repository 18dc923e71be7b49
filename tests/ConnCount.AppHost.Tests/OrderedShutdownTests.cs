using System.Collections.Concurrent;
using System.Net.WebSockets;
using Aspire.Hosting;
using NATS.Client.Core;

namespace ConnCount.AppHost.Tests;

/// <summary>Stopping the AppHost (Ctrl+C): the socket nodes stop while NATS still runs, so their goodbyes reach the cluster.</summary>
public sealed class OrderedShutdownTests
{
    private const string GoodbyeSubject = "conncount.v1.nodes.goodbye";

    [Fact]
    public async Task On_stop_every_node_closes_its_sockets_with_1001_and_says_goodbye_before_NATS_stops()
    {
        var fixture = new ConnCountAppFixture();
        await fixture.InitializeAsync();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            var url = await fixture.App.GetConnectionStringAsync("nats", timeout.Token);
            await using var nats = new NatsConnection(NatsOpts.Default with { Url = url! });
            await nats.ConnectAsync();
            var goodbyes = new ConcurrentBag<string>();
            await using var subscription = await nats.SubscribeCoreAsync<string>(GoodbyeSubject, cancellationToken: timeout.Token);
            var listening = ListenAsync(subscription, goodbyes, timeout.Token);

            await using var client = await PhoenixTestClient.ConnectAsync(fixture.SocketEndpoint, timeout.Token);
            await client.JoinAsync("room:bye", timeout.Token);

            await fixture.App.StopAsync(timeout.Token);

            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await client.Closed.WaitAsync(timeout.Token));
            // Every replica's goodbye arrived over NATS, so NATS outlived them all.
            await Task.WhenAny(listening, Task.Delay(TimeSpan.FromSeconds(5), timeout.Token));
            Assert.Equal(ConnCountAppFixture.SocketNodeReplicas, goodbyes.Distinct().Count());
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    /// <summary>Collects goodbyes until every replica's has come (or the subscription ends).</summary>
    private static async Task ListenAsync(INatsSub<string> subscription, ConcurrentBag<string> goodbyes, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in subscription.Msgs.ReadAllAsync(cancellationToken))
            {
                goodbyes.Add(message.Data ?? "");
                if (goodbyes.Distinct().Count() == ConnCountAppFixture.SocketNodeReplicas)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or NatsException)
        {
        }
    }
}
