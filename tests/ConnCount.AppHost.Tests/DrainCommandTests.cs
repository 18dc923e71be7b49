using System.Net.WebSockets;
using System.Text.Json;
using Aspire.Hosting;
using Xunit.Abstractions;

namespace ConnCount.AppHost.Tests;

/// <summary>
/// The dashboard's Drain and Resume commands, run through Aspire's resource command service against one
/// replica of the running AppHost.
/// </summary>
/// <remarks>The test resumes the replica however it ends, so the collection's other tests find three open nodes.</remarks>
[Collection(AppHostCollection.Name)]
public sealed class DrainCommandTests(ConnCountAppFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(10);

    private readonly ClusterSockets _cluster = new(fixture);

    [Fact]
    public async Task Drain_closes_only_that_replicas_sockets_with_1001_and_marks_it_draining_until_resumed()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await _cluster.WaitForEmptyClusterAsync(timeout.Token);

        var (sockets, target) = await _cluster.OpenForDrainAsync("drain", timeout.Token);
        var (drained, replica, onDrained, elsewhere) = target;
        try
        {
            var drain = await fixture.ExecuteCommandAsync(replica, NodeDrainCommandExtensions.DrainCommandName, timeout.Token);
            Assert.True(drain.Success, $"Drain failed: {drain.Message}");
            output.WriteLine($"Drain answered: {drain.Data?.Value}");
            using (var answer = JsonDocument.Parse(drain.Data?.Value ?? "{}"))
            {
                Assert.True(answer.RootElement.GetProperty("draining").GetBoolean());
                Assert.Equal(drained, answer.RootElement.GetProperty("node").GetString());
            }

            foreach (var socket in onDrained)
            {
                Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await socket.Client.Closed.WaitAsync(CloseTimeout, timeout.Token));
            }

            Assert.All(elsewhere, socket => Assert.False(socket.Client.Closed.IsCompleted, $"A socket on {socket.Node} closed too."));
            var stats = await Eventually.MatchAsync(
                fixture.GetClusterStatsAsync,
                s => s.Nodes.GetValueOrDefault(drained)?.Draining == true && s.TotalSockets == elsewhere.Count,
                ClusterSockets.SettleTimeout,
                cancellationToken: timeout.Token);
            Assert.True(stats.Nodes[drained].Draining, $"{drained} does not report draining.");
            Assert.Equal(0, stats.Nodes[drained].Sockets);
            Assert.Equal(ConnCountAppFixture.SocketNodeReplicas, stats.ClusterSize);
            Assert.All(stats.Nodes.Where(n => n.Key != drained), n => Assert.False(n.Value.Draining));

            // The proxy still sends clients to the drained replica; the replica itself turns them away.
            await Assert.ThrowsAsync<WebSocketException>(() => PhoenixTestClient.ConnectAsync(fixture.ReplicaEndpoint(replica), timeout.Token));
        }
        finally
        {
            await ClusterSockets.CloseAllAsync(sockets);
            var resume = await fixture.ExecuteCommandAsync(replica, NodeDrainCommandExtensions.ResumeCommandName, CancellationToken.None);
            Assert.True(resume.Success, $"Resume failed: {resume.Message}");
        }

        var resumed = await Eventually.MatchAsync(
            fixture.GetClusterStatsAsync, s => s.Nodes.Values.All(n => !n.Draining), ClusterSockets.SettleTimeout, cancellationToken: timeout.Token);
        Assert.All(resumed.Nodes.Values, n => Assert.False(n.Draining));
        await using var again = await PhoenixTestClient.ConnectAsync(fixture.ReplicaEndpoint(replica), timeout.Token);
        Assert.True((await again.HeartbeatAsync(timeout.Token)).IsOk);
    }
}
