using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Aspire.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ConnCount.AppHost.Tests;

/// <summary>
/// Draining one socket node by its id through the StatsApi of the running AppHost
/// (<c>POST</c>/<c>DELETE /api/admin/nodes/{id}/drain</c>, over NATS to that node), and what the dashboard shows of it.
/// </summary>
/// <remarks>The test resumes the node however it ends, so the collection's other tests find three open nodes.</remarks>
[Collection(AppHostCollection.Name)]
public sealed class DrainByIdThroughStatsApiTests(ConnCountAppFixture fixture)
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Aspire runs a non-healthy check every few seconds and a healthy one every 5 s.</summary>
    private static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(30);

    private readonly ClusterSockets _cluster = new(fixture);

    [Fact]
    public async Task Drain_by_id_closes_only_that_nodes_sockets_refuses_its_upgrades_shows_it_draining_and_degraded_until_resumed()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await _cluster.WaitForEmptyClusterAsync(timeout.Token);

        var (sockets, target) = await _cluster.OpenForDrainAsync("drain-by-id", timeout.Token);
        var (drained, replica, onDrained, elsewhere) = target;
        try
        {
            using var drain = await fixture.StatsApiAdmin.PostAsync($"/api/admin/nodes/{drained}/drain", null, timeout.Token);

            Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
            var answer = await drain.Content.ReadFromJsonAsync<JsonElement>(timeout.Token);
            Assert.Equal(drained, answer.GetProperty("node").GetString());
            Assert.True(answer.GetProperty("draining").GetBoolean());
            Assert.Equal(onDrained.Count, answer.GetProperty("sockets_closed").GetInt32());
            foreach (var socket in onDrained)
            {
                Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await socket.Client.Closed.WaitAsync(CloseTimeout, timeout.Token));
            }

            Assert.All(elsewhere, socket => Assert.False(socket.Client.Closed.IsCompleted, $"A socket on {socket.Node} closed too."));
            foreach (var socket in elsewhere)
            {
                Assert.True((await socket.Client.HeartbeatAsync(timeout.Token)).IsOk, $"A socket on {socket.Node} stopped answering.");
            }

            // New upgrades to the drained replica are refused; the others keep accepting.
            await Assert.ThrowsAsync<WebSocketException>(() => PhoenixTestClient.ConnectAsync(fixture.ReplicaEndpoint(replica), timeout.Token));
            foreach (var other in fixture.SocketNodeReplicaIds.Where(r => r != replica))
            {
                await using var fresh = await PhoenixTestClient.ConnectAsync(fixture.ReplicaEndpoint(other), timeout.Token);
                Assert.True((await fresh.HeartbeatAsync(timeout.Token)).IsOk);
            }

            var nodes = await Eventually.MatchAsync(
                NodesAsync, n => Draining(n, drained) && Sockets(n, drained) == 0, ClusterSockets.SettleTimeout, cancellationToken: timeout.Token);
            Assert.True(Draining(nodes, drained), $"{drained} does not report draining in /api/stats/nodes.");
            Assert.All(fixture.SocketNodeReplicaIds.Select(fixture.NodeIdOf).Where(n => n != drained), n => Assert.False(Draining(nodes, n), $"{n} reports draining."));

            // The dashboard: the replica's health, probed at its own port, turns Degraded and names the drained replica.
            var degraded = await Eventually.MatchAsync(
                _ => Task.FromResult(fixture.SnapshotOf(replica)), s => s.HealthStatus == HealthStatus.Degraded, HealthTimeout, cancellationToken: timeout.Token);
            Assert.Equal(HealthStatus.Degraded, degraded.HealthStatus);
            Assert.Contains(degraded.HealthReports, r => r.Status == HealthStatus.Degraded && r.Description?.Contains(replica, StringComparison.Ordinal) == true);
        }
        finally
        {
            await ClusterSockets.CloseAllAsync(sockets);
            using var resume = await fixture.StatsApiAdmin.DeleteAsync($"/api/admin/nodes/{drained}/drain", CancellationToken.None);
            Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
            var resumedAnswer = await resume.Content.ReadFromJsonAsync<JsonElement>(CancellationToken.None);
            Assert.Equal(drained, resumedAnswer.GetProperty("node").GetString());
            Assert.False(resumedAnswer.GetProperty("draining").GetBoolean());
        }

        var resumed = await Eventually.MatchAsync(NodesAsync, n => !Draining(n, drained), ClusterSockets.SettleTimeout, cancellationToken: timeout.Token);
        Assert.False(Draining(resumed, drained));
        await using var again = await PhoenixTestClient.ConnectAsync(fixture.ReplicaEndpoint(replica), timeout.Token);
        Assert.True((await again.HeartbeatAsync(timeout.Token)).IsOk);
        var healthy = await Eventually.MatchAsync(
            _ => Task.FromResult(fixture.SnapshotOf(replica)), s => s.HealthStatus == HealthStatus.Healthy, HealthTimeout, cancellationToken: timeout.Token);
        Assert.Equal(HealthStatus.Healthy, healthy.HealthStatus);
    }

    [Fact]
    public void Every_replica_lists_its_own_address_beside_the_proxys()
    {
        var proxy = fixture.SocketEndpoint.ToString();
        var own = fixture.SocketNodeReplicaIds.Select(r => fixture.ReplicaEndpoint(r).ToString()).ToList();

        Assert.Equal(own.Count, own.Distinct().Count());
        foreach (var (replica, address) in fixture.SocketNodeReplicaIds.Zip(own))
        {
            var urls = fixture.SnapshotOf(replica).Urls;
            Assert.Contains(urls, u => u.Url == address && u.DisplayProperties.DisplayName == ReplicaUrlsExtensions.ReplicaUrlText);
            Assert.Contains(urls, u => u.Url.TrimEnd('/') == proxy.TrimEnd('/') && u.DisplayProperties.DisplayName == ReplicaUrlsExtensions.ProxyUrlText);
            Assert.DoesNotContain(urls, u => own.Where(o => o != address).Contains(u.Url));
        }
    }

    [Fact]
    public async Task The_read_key_cannot_drain_and_an_unknown_node_is_404()
    {
        using var readOnly = await fixture.StatsApi.PostAsync($"/api/admin/nodes/{fixture.NodeIdOf(fixture.SocketNodeReplicaIds[0])}/drain", null);
        Assert.Equal(HttpStatusCode.Forbidden, readOnly.StatusCode);

        using var unknown = await fixture.StatsApiAdmin.PostAsync("/api/admin/nodes/socketnode-nosuchnode/drain", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private async Task<JsonElement> NodesAsync(CancellationToken cancellationToken) =>
        await fixture.StatsApi.GetFromJsonAsync<JsonElement>("/api/stats/nodes", cancellationToken);

    private static JsonElement Node(JsonElement nodes, string id) =>
        nodes.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("node").GetString() == id);

    private static bool Draining(JsonElement nodes, string id) => Node(nodes, id).GetProperty("draining").GetBoolean();

    private static long Sockets(JsonElement nodes, string id) => Node(nodes, id).GetProperty("sockets").GetInt64();
}
