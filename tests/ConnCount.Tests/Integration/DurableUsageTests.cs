using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>
/// Durable usage in JetStream, against real processes: connection time survives a node restart and a StatsApi restart,
/// closed periods count every session exactly once through a NATS outage, however many StatsApi replicas close them,
/// and the periods export refuses bad ranges.
/// </summary>
public class DurableUsageTests
{
    private const string Topic = "billing:room";

    private static Uri Ws(Uri http) => PhoenixTestClient.WebSocketUri(http);

    /// <summary>
    /// Connection time of the current period and the one before: the test runs with the default one-hour period, and an
    /// hour's end passing during it moves the figures to the previous period without changing their sum.
    /// </summary>
    private static long PeriodMs(JsonElement figures) =>
        figures.GetProperty("period").GetProperty("connection_ms").GetInt64()
        + figures.GetProperty("previous_period").GetProperty("connection_ms").GetInt64();

    private static async Task<JsonElement> UsageAsync(HttpClient api) => await api.GetFromJsonAsync<JsonElement>("/api/stats/usage");

    [Fact]
    public async Task A_restarted_node_keeps_its_earlier_connection_time_in_the_current_period_and_a_restarted_api_still_shows_it()
    {
        await using var cluster = await TestCluster.StartAsync(new()
        {
            ["ConnCount__Usage__Durable__FlushInterval"] = "00:00:00.300",
        });
        var node = await cluster.StartNodeAsync("node-a");
        await cluster.StartApiAsync();

        var clients = new List<PhoenixTestClient>();
        for (var i = 0; i < 3; i++)
        {
            var client = await PhoenixTestClient.ConnectAsync(Ws(node));
            Assert.True((await client.JoinAsync(Topic)).IsOk);
            clients.Add(client);
        }

        await Task.Delay(700);
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }

        // Every session has ended: the live figure is final, and exact.
        var before = await Eventually.MatchAsync(() => UsageAsync(cluster.Api), u => u.GetProperty("totals").GetProperty("open").GetInt64() == 0);
        var held = PeriodMs(before.GetProperty("topics").GetProperty(Topic));
        Assert.True(held >= 3 * 700, $"three sessions of at least 700 ms, got {held} ms");

        await cluster.Nodes["node-a"].Process.StopAsync(TimeSpan.FromSeconds(15));
        await cluster.StartNodeAsync("node-a");
        var after = await Eventually.MatchAsync(
            () => UsageAsync(cluster.Api),
            u => u.GetProperty("cluster_size").GetInt32() == 1 && u.GetProperty("stored").GetArrayLength() == 1,
            because: "the new incarnation answers and the old one's stored time is added");
        Assert.Equal(held, PeriodMs(after.GetProperty("topics").GetProperty(Topic)));
        Assert.Equal(held, PeriodMs(after.GetProperty("totals")));
        Assert.Equal(0, after.GetProperty("totals").GetProperty("connection_ms").GetInt64());
        Assert.Equal(before.GetProperty("nodes").GetProperty("node-a").GetProperty("started_at").GetString(),
            after.GetProperty("stored")[0].GetProperty("started_at").GetString());

        await cluster.ApiProcess!.StopAsync(TimeSpan.FromSeconds(15));
        await cluster.StartApiAsync();
        var reread = await Eventually.MatchAsync(
            () => UsageAsync(cluster.Api), u => u.GetProperty("stored").GetArrayLength() == 1, because: "a new StatsApi reads the records back");
        Assert.Equal(held, PeriodMs(reread.GetProperty("topics").GetProperty(Topic)));
    }

    [Fact]
    public async Task Closed_periods_hold_every_session_exactly_once_through_a_nats_outage_with_two_apis_closing()
    {
        await using var cluster = await TestCluster.StartAsync(new()
        {
            ["ConnCount__Usage__Period"] = "00:00:02",
            ["ConnCount__Usage__Durable__FlushInterval"] = "00:00:00.250",
            ["ConnCount__Usage__Durable__CloseGrace"] = "00:00:00.500",
        });
        var node = await cluster.StartNodeAsync("node-a");
        var second = await cluster.StartApiAsync();
        var first = await cluster.StartApiAsync();

        var clients = new List<PhoenixTestClient>();
        for (var i = 0; i < 4; i++)
        {
            var client = await PhoenixTestClient.ConnectAsync(Ws(node));
            Assert.True((await client.JoinAsync(Topic)).IsOk);
            clients.Add(client);
        }

        // NATS goes away mid-period for longer than a period; the sockets stay open and counted.
        await Task.Delay(1200);
        await cluster.Nats.StopAsync(TimeSpan.FromSeconds(5));
        await Task.Delay(3500);
        await cluster.StartNatsAsync();
        await Task.Delay(1500);
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }

        // Since the node started, exactly: the sum of every period it was in.
        var lifetime = await Eventually.MatchAsync(
            () => UsageAsync(first), u => u.GetProperty("totals").GetProperty("open").GetInt64() == 0 && u.GetProperty("cluster_size").GetInt32() == 1);
        var topicMs = lifetime.GetProperty("topics").GetProperty(Topic).GetProperty("connection_ms").GetInt64();
        var nodeStarted = DateTimeOffset.Parse(lifetime.GetProperty("nodes").GetProperty("node-a").GetProperty("started_at").GetString()!);
        var through = DateTimeOffset.UtcNow;
        Assert.True(topicMs >= 4 * 6000, $"four sessions of over 6 s, got {topicMs} ms");

        var range = $"/api/stats/usage/periods?from={Uri.EscapeDataString(nodeStarted.AddSeconds(-4).ToString("o"))}&to={Uri.EscapeDataString(through.AddSeconds(4).ToString("o"))}";
        var closed = await Eventually.MatchAsync(
            () => first.GetFromJsonAsync<JsonElement>(range),
            p => SumTopic(p) == topicMs,
            timeout: TimeSpan.FromSeconds(30),
            because: "every period the sessions were in closes with exactly their time");
        var starts = closed.GetProperty("periods").EnumerateArray().Select(p => p.GetProperty("period_start").GetString()).ToList();
        Assert.Equal(starts.Distinct().Count(), starts.Count);
        Assert.True(starts.Count >= 4, $"the sessions spanned at least four 2 s periods, got {starts.Count}");
        foreach (var period in closed.GetProperty("periods").EnumerateArray())
        {
            Assert.Equal(period.GetProperty("connection_ms").GetInt64(), period.GetProperty("nodes").GetProperty("node-a").GetInt64());
        }

        // The other StatsApi reads the same immutable records.
        var fromSecond = await second.GetFromJsonAsync<JsonElement>(range);
        Assert.Equal(closed.GetProperty("periods").GetRawText(), fromSecond.GetProperty("periods").GetRawText());

        // The same as CSV, for a billing export.
        using var request = new HttpRequestMessage(HttpMethod.Get, range);
        request.Headers.Accept.ParseAdd("text/csv");
        using var csv = await first.SendAsync(request);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var rows = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("period_start,period_end,kind,key,connection_ms", rows[0]);
        Assert.Equal(topicMs, rows.Skip(1).Select(r => r.Split(',')).Where(f => f[2] == "topic" && f[3] == Topic).Sum(f => long.Parse(f[4])));
    }

    [Theory]
    [InlineData("from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "from")]
    [InlineData("from=2025-01-01T00:00:00Z&to=2026-12-01T00:00:00Z", "to")]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-13-45", "to")]
    public async Task A_bad_range_is_a_400_problem_naming_the_parameter(string query, string parameter)
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.StartApiAsync();
        using var response = await cluster.Api.GetAsync("/api/stats/usage/periods?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.GetRawText());
    }

    private static long SumTopic(JsonElement periods) => periods.GetProperty("periods").EnumerateArray()
        .Sum(p => p.GetProperty("topics").TryGetProperty(Topic, out var ms) ? ms.GetInt64() : 0);
}
