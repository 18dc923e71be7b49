using System.Globalization;
using System.Net;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>Every service serves a Prometheus scrape at <c>/metrics</c>, open even where the API needs a key.</summary>
public class StatsApiMetricsTests
{
    private const string Key = "metrics-test-key-0123456789";

    private static Uri Ws(Uri http) => PhoenixTestClient.WebSocketUri(http);

    [Fact]
    public async Task The_stats_api_scrape_has_the_gather_instruments_without_a_key()
    {
        // A long expiry keeps a killed node expected, so a gather counts it missing.
        await using var cluster = await TestCluster.StartAsync(new() { ["ConnCount__Cluster__NodeExpiry"] = "00:01:00" });
        await cluster.StartNodeAsync("node-a");
        await cluster.StartNodeAsync("node-b");
        var api = await cluster.StartApiAsync(new() { ["ConnCount__Api__Key"] = Key });
        api.DefaultRequestHeaders.Add("X-Api-Key", Key);
        await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => s.GetProperty("cluster_size").GetInt32() == 2);
        cluster.Nodes["node-b"].Process.Kill();
        await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => s.GetProperty("partial").GetBoolean());

        using var scraper = new HttpClient { BaseAddress = api.BaseAddress };
        var text = await Eventually.MatchAsync(
            () => ScrapeAsync(scraper),
            t => t.Contains("conncount_gather_missing_nodes_total", StringComparison.Ordinal),
            because: "the scrape shows the gather that missed a node");

        Assert.Contains("conncount_gather_duration_seconds_count", text, StringComparison.Ordinal);
        Assert.Contains("conncount_gather_duration_seconds_bucket{", text, StringComparison.Ordinal);
        // Buckets in seconds, fit for gathers of a few milliseconds.
        Assert.Contains("le=\"0.005\"", text, StringComparison.Ordinal);
        Assert.True(Sample(text, "conncount_gather_missing_nodes_total") >= 1);
    }

    [Fact]
    public async Task A_socket_node_scrape_shows_its_open_sockets()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a");
        await using var one = await PhoenixTestClient.ConnectAsync(Ws(node));
        await using var two = await PhoenixTestClient.ConnectAsync(Ws(node));
        await one.JoinAsync("room:lobby");

        using var scraper = new HttpClient { BaseAddress = node };
        var text = await Eventually.MatchAsync(
            () => ScrapeAsync(scraper),
            t => Sample(t, "conncount_sockets_open") == 2,
            because: "the node's gauge counts both sockets");

        Assert.Contains("http_server_request_duration_seconds", text, StringComparison.Ordinal);
        // Kestrel's buffers come from the releasing pool, which reports them by state.
        Assert.Matches("conncount_buffers_memory_bytes\\{[^}]*state=\"rented\"", text);
        Assert.Matches("conncount_buffers_memory_bytes\\{[^}]*state=\"released\"", text);
        Assert.True(Sample(text, "conncount_buffers_released_bytes_total") >= 0);
    }

    [Fact]
    public async Task Concurrent_requests_share_gathers_and_all_get_the_counts()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a");
        await cluster.StartNodeAsync("node-b");
        var api = await cluster.StartApiAsync(new() { ["ConnCount__Api__Key"] = Key });
        api.DefaultRequestHeaders.Add("X-Api-Key", Key);
        await using var client = await PhoenixTestClient.ConnectAsync(Ws(node));
        await client.JoinAsync("room:shared");
        await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => s.GetProperty("cluster_size").GetInt32() == 2 && s.GetProperty("total_connections").GetInt64() == 1);

        using var scraper = new HttpClient { BaseAddress = api.BaseAddress };
        var gathersBefore = Sample(await ScrapeAsync(scraper), "conncount_gather_duration_seconds_count") ?? 0;
        const int Requests = 200;
        var bodies = await Task.WhenAll(Enumerable.Range(0, Requests).Select(_ => api.GetStringAsync("/api/stats")));
        // The exporter caches a scrape for a moment: wait for one taken after the burst.
        var after = await Eventually.MatchAsync(
            () => ScrapeAsync(scraper),
            t => Sample(t, "conncount_gather_duration_seconds_count") > gathersBefore,
            because: "the scrape shows the burst's gathers");
        var gathers = Sample(after, "conncount_gather_duration_seconds_count")!.Value - gathersBefore;

        Assert.All(bodies, b => Assert.Contains("\"total_connections\":1,", b, StringComparison.Ordinal));
        Assert.InRange(gathers, 1, Requests / 4);
    }

    private static async Task<string> ScrapeAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The value of the first sample of <paramref name="metric"/>, labels or not; null when absent.</summary>
    private static double? Sample(string text, string metric)
    {
        foreach (var line in text.Split('\n'))
        {
            // "name{labels} value [timestamp]" or "name value [timestamp]".
            var rest = line.StartsWith(metric + "{", StringComparison.Ordinal) ? line[(line.LastIndexOf('}') + 1)..]
                : line.StartsWith(metric + " ", StringComparison.Ordinal) ? line[metric.Length..]
                : null;
            if (rest is not null)
            {
                return double.Parse(rest.Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return null;
    }
}
