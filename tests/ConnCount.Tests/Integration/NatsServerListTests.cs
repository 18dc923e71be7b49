using ConnCount.ServiceDefaults.Nats;
using ConnCount.Tests.Infrastructure;
using NATS.Client.Core;

namespace ConnCount.Tests.Integration;

/// <summary>A connection string of several URLs is a server list: the connection goes to one that answers, as the one user.</summary>
public class NatsServerListTests
{
    [Fact]
    public async Task Several_urls_connect_to_the_server_that_answers_with_the_user_of_the_first_url()
    {
        await using var cluster = await TestCluster.StartAsync(natsCredentials: ("conn@count", "p:ss"));
        var nobody = FreePort.Next();
        var opts = NatsClientExtensions.CreateOptions(
            "nats",
            $"nats://conn%40count:p%3Ass@127.0.0.1:{nobody}, nats://127.0.0.1:{cluster.NatsPort} ,nats://conn%40count:p%3Ass@127.0.0.1:{nobody}");

        await using var connection = new NatsConnection(opts);
        await connection.ConnectAsync();
        await Eventually.MatchAsync(
            () => Task.FromResult(connection.ConnectionState),
            state => state == NatsConnectionState.Open,
            because: "the server that answers requires the user named in the first URL");

        Assert.Equal(cluster.NatsPort, connection.ServerInfo!.Port);
        await connection.PingAsync();
    }
}
