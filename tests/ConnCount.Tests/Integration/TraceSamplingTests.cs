using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>
/// What the trace list holds: a stats request, and a socket event that gathers, each as a trace through NATS;
/// heartbeats and other NATS traffic nothing asked for, none.
/// </summary>
public class TraceSamplingTests
{
    [Fact]
    public async Task Requests_are_traced_through_NATS_and_heartbeats_are_not()
    {
        await using var otlp = OtlpReceiver.Start();
        var telemetry = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp.Endpoint.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        };
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", telemetry);
        await cluster.StartNodeAsync("node-b", telemetry);
        await cluster.StartApiAsync(telemetry);

        // Heartbeats go out every 500 ms here; the gathers below start traces of their own.
        await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => s.GetProperty("cluster_size").GetInt32() == 2);
        await using var client = await PhoenixTestClient.ConnectAsync(PhoenixTestClient.WebSocketUri(node));
        await client.JoinAsync("room");
        await client.PushAsync("room", "get_cluster_connection_stats");

        var traces = await Eventually.MatchAsync(
            () => Task.FromResult(otlp.Received("/v1/traces")),
            t => t.Contains("/api/stats", StringComparison.Ordinal)
                && t.Contains("get_cluster_connection_stats", StringComparison.Ordinal)
                && t.Contains("conncount.v1.stats", StringComparison.Ordinal),
            because: "the stats request, the socket event and their gathers over NATS are traced");

        // Seconds of heartbeats have passed by now, each of them exported within 100 ms if it were traced.
        await Task.Delay(TimeSpan.FromSeconds(2));
        traces = otlp.Received("/v1/traces");
        Assert.DoesNotContain("conncount.v1.nodes.heartbeat", traces, StringComparison.Ordinal);
    }
}
