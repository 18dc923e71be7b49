using System.Net;
using System.Text.Json;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>
/// Usage over real nodes, sockets and the StatsApi. Durations are checked against bounds measured on the
/// test's own clock around each join, leave and query (the nodes run on the same machine), never against
/// how fast anything ran.
/// </summary>
public class UsageApiTests
{
    // The test and the node floor their clocks to the ms independently.
    private const long ClockSlackMs = 10;

    private static Uri Ws(Uri http) => PhoenixTestClient.WebSocketUri(http);

    private static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>An instant known only to lie between two readings of the test's clock.</summary>
    private readonly record struct Between(long Before, long After);

    private static async Task<Between> TimedAsync(Func<Task<PhoenixReply>> act, bool expectOk = true)
    {
        var before = NowMs();
        var reply = await act();
        var after = NowMs();
        if (expectOk)
        {
            Assert.Equal("ok", reply.Status);
        }

        return new Between(before, after);
    }

    private sealed record Usage(JsonElement Body, Between At);

    private static async Task<Usage> GetUsageAsync(TestCluster cluster, string query = "")
    {
        var before = NowMs();
        var body = await cluster.GetStatsAsync("/api/stats/usage" + query);
        return new Usage(body, new Between(before, NowMs()));
    }

    private static JsonElement Topic(Usage usage, string topic) => usage.Body.GetProperty("topics").GetProperty(topic);

    private static JsonElement Tenant(Usage usage, string tenant) => usage.Body.GetProperty("tenants").GetProperty(tenant);

    private static long Ms(JsonElement figures) => figures.GetProperty("connection_ms").GetInt64();

    /// <summary>Asserts <paramref name="actual"/> is within [min, max] widened by the clock slack.</summary>
    private static void AssertWithin(long min, long max, long actual, string what) =>
        Assert.True(actual >= min - ClockSlackMs && actual <= max + ClockSlackMs, $"{what}: {actual} ms is not within [{min}, {max}] ms");

    /// <summary>Open from <paramref name="joined"/> to the query: at least query start − join reply, at most query end − join sent.</summary>
    private static (long Min, long Max) OpenUntil(Between joined, Between query) => (query.Before - joined.After, query.After - joined.Before);

    private static (long Min, long Max) Sum(params (long Min, long Max)[] parts) => (parts.Sum(p => p.Min), parts.Sum(p => p.Max));

    [Fact]
    public async Task Connection_seconds_grow_exactly_with_time_held_per_topic_and_tenant_and_add_up_over_two_nodes()
    {
        await using var cluster = await TestCluster.StartAsync(new() { ["ConnCount__Auth__SigningKey"] = JoinTokens.SigningKey });
        var a = await cluster.StartNodeAsync("node-a");
        var b = await cluster.StartNodeAsync("node-b");
        await cluster.StartApiAsync();
        await Eventually.MatchAsync(() => GetUsageAsync(cluster), u => u.Body.GetProperty("cluster_size").GetInt32() == 2);
        var acme = new { token = JoinTokens.Issue(["*"], tenant: "acme") };
        var globex = new { token = JoinTokens.Issue(["*"], tenant: "globex") };

        await using var onA = await PhoenixTestClient.ConnectAsync(Ws(a));
        await using var onB1 = await PhoenixTestClient.ConnectAsync(Ws(b));
        await using var onB2 = await PhoenixTestClient.ConnectAsync(Ws(b));
        var j1 = await TimedAsync(() => onA.JoinAsync("usage:room", acme));
        var j2 = await TimedAsync(() => onB1.JoinAsync("usage:room", acme));
        var j3 = await TimedAsync(() => onB2.JoinAsync("usage:side", globex));

        // Hold until the room has clearly accrued time, then check every figure against the measured bounds.
        var held = await Eventually.MatchAsync(() => GetUsageAsync(cluster), u => Ms(Topic(u, "usage:room")) >= 1_500);
        var (roomMin, roomMax) = Sum(OpenUntil(j1, held.At), OpenUntil(j2, held.At));
        AssertWithin(roomMin, roomMax, Ms(Topic(held, "usage:room")), "room");
        AssertWithin(roomMin, roomMax, Ms(Tenant(held, "acme")), "acme");
        var (sideMin, sideMax) = OpenUntil(j3, held.At);
        AssertWithin(sideMin, sideMax, Ms(Tenant(held, "globex")), "globex");
        var nodeA = OpenUntil(j1, held.At);
        AssertWithin(nodeA.Min, nodeA.Max, Ms(held.Body.GetProperty("nodes").GetProperty("node-a").GetProperty("totals")), "node-a");
        var nodeB = Sum(OpenUntil(j2, held.At), OpenUntil(j3, held.At));
        AssertWithin(nodeB.Min, nodeB.Max, Ms(held.Body.GetProperty("nodes").GetProperty("node-b").GetProperty("totals")), "node-b");
        var nodes = held.Body.GetProperty("nodes").EnumerateObject().Sum(n => Ms(n.Value.GetProperty("totals")));
        Assert.Equal(Ms(held.Body.GetProperty("totals")), nodes);
        Assert.Equal(2, Topic(held, "usage:room").GetProperty("open").GetInt64());
        // One acme member on each node: each node's peak is 1, so the sum of node peaks is 2.
        Assert.Equal(2, Tenant(held, "acme").GetProperty("peak_concurrent_sum_of_nodes").GetInt64());
        Assert.Equal(2, Tenant(held, "acme").GetProperty("peak_concurrent_at_least").GetInt64());

        // End acme's two sessions: a leave (answered after the node ended it) and a close (ended when the node reads it).
        var left = await TimedAsync(() => onA.LeaveAsync("usage:room"));
        var closing = NowMs();
        await onB1.CloseAsync();
        var closed = await Eventually.MatchAsync(() => GetUsageAsync(cluster), u => Tenant(u, "acme").GetProperty("open").GetInt64() == 0);
        var acmeMin = (left.Before - j1.After) + (closing - j2.After);
        var acmeMax = (left.After - j1.Before) + (closed.At.After - j2.Before);
        AssertWithin(acmeMin, acmeMax, Ms(Tenant(closed, "acme")), "acme after closing");

        // Closed sessions stop counting; the open one keeps growing with the time held.
        var later = await Eventually.MatchAsync(
            () => GetUsageAsync(cluster), u => Ms(Tenant(u, "globex")) >= Ms(Tenant(closed, "globex")) + 500);
        Assert.Equal(Ms(Tenant(closed, "acme")), Ms(Tenant(later, "acme")));
        Assert.Equal(Ms(Topic(closed, "usage:room")), Ms(Topic(later, "usage:room")));
        (sideMin, sideMax) = OpenUntil(j3, later.At);
        AssertWithin(sideMin, sideMax, Ms(Tenant(later, "globex")), "globex later");
        Assert.Equal(2, Tenant(later, "acme").GetProperty("peak_concurrent_sum_of_nodes").GetInt64());
        Assert.Equal(1, Tenant(later, "acme").GetProperty("peak_concurrent_at_least").GetInt64());
    }

    [Fact]
    public async Task Joins_leaves_and_session_lengths_are_counted_per_topic_and_for_the_node()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a");
        await cluster.StartApiAsync();
        await using var churner = await PhoenixTestClient.ConnectAsync(Ws(node));
        await using var stayer = await PhoenixTestClient.ConnectAsync(Ws(node));

        var lengths = new List<(long Min, long Max)>();
        for (var i = 0; i < 5; i++)
        {
            var joined = await TimedAsync(() => churner.JoinAsync("churn:a"));
            await churner.HeartbeatAsync();
            var left = await TimedAsync(() => churner.LeaveAsync("churn:a"));
            lengths.Add((left.Before - joined.After, left.After - joined.Before));
        }

        await stayer.JoinAsync("churn:b");
        await stayer.JoinAsync("churn:c");

        var usage = await Eventually.MatchAsync(() => GetUsageAsync(cluster), u => u.Body.GetProperty("totals").GetProperty("joins_per_minute").GetInt64() >= 7);
        var churn = Topic(usage, "churn:a");
        Assert.Equal(5, churn.GetProperty("joins_per_minute").GetInt64());
        Assert.Equal(5, churn.GetProperty("leaves_per_minute").GetInt64());
        Assert.Equal(5, churn.GetProperty("joins").GetInt64());
        Assert.Equal(0, churn.GetProperty("open").GetInt64());
        Assert.Equal(1, Topic(usage, "churn:b").GetProperty("joins_per_minute").GetInt64());
        Assert.Equal(0, Topic(usage, "churn:b").GetProperty("leaves_per_minute").GetInt64());
        var totals = usage.Body.GetProperty("totals");
        Assert.Equal(7, totals.GetProperty("joins_per_minute").GetInt64());
        Assert.Equal(5, totals.GetProperty("leaves_per_minute").GetInt64());
        Assert.Equal(60, usage.Body.GetProperty("churn_window_seconds").GetInt64());

        Assert.Equal(5, churn.GetProperty("sampled_sessions").GetInt32());
        Assert.Equal(5, totals.GetProperty("sampled_sessions").GetInt32());
        var median = churn.GetProperty("session_median_ms").GetInt64();
        var p95 = churn.GetProperty("session_p95_ms").GetInt64();
        AssertWithin(lengths.Min(l => l.Min), lengths.Max(l => l.Max), median, "median");
        AssertWithin(median, lengths.Max(l => l.Max), p95, "p95");
        Assert.Equal(JsonValueKind.Null, Topic(usage, "churn:b").GetProperty("session_median_ms").ValueKind);
        // Churn's sessions are closed: their time is the sum of their lengths.
        AssertWithin(lengths.Sum(l => l.Min), lengths.Sum(l => l.Max), Ms(churn), "churn:a");
    }

    [Fact]
    public async Task A_session_held_through_a_whole_period_counts_exactly_that_period()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", new() { ["ConnCount__Usage__Period"] = "00:00:02" });
        await cluster.StartApiAsync();
        await using var client = await PhoenixTestClient.ConnectAsync(Ws(node));
        var joined = await TimedAsync(() => client.JoinAsync("period:room"));

        // Wait until the previous period began after the join: the session then spans it whole.
        var usage = await Eventually.MatchAsync(
            () => GetUsageAsync(cluster),
            u => u.Body.GetProperty("period_start").GetDateTimeOffset().ToUnixTimeMilliseconds() - 2_000 > joined.After);
        var room = Topic(usage, "period:room");
        var periodStart = usage.Body.GetProperty("period_start").GetDateTimeOffset().ToUnixTimeMilliseconds();

        Assert.Equal(2, usage.Body.GetProperty("period_seconds").GetInt64());
        Assert.Equal(2_000, room.GetProperty("previous_period").GetProperty("connection_ms").GetInt64());
        AssertWithin(usage.At.Before - periodStart, usage.At.After - periodStart, room.GetProperty("period").GetProperty("connection_ms").GetInt64(), "period");
        var (min, max) = OpenUntil(joined, usage.At);
        AssertWithin(min, max, Ms(room), "since start");
        Assert.Equal(1, room.GetProperty("previous_period").GetProperty("peak_concurrent_sum_of_nodes").GetInt64());
    }

    [Fact]
    public async Task Prefix_and_limit_choose_the_topics_and_bad_values_get_a_400_problem()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a");
        await cluster.StartApiAsync();
        await using var one = await PhoenixTestClient.ConnectAsync(Ws(node));
        await using var two = await PhoenixTestClient.ConnectAsync(Ws(node));
        await one.JoinAsync("q:big");
        await two.JoinAsync("q:big");
        await one.JoinAsync("q:small");
        await one.JoinAsync("other");

        var usage = await Eventually.MatchAsync(() => GetUsageAsync(cluster, "?prefix=q:&limit=1"), u => u.Body.GetProperty("topics").TryGetProperty("q:big", out _));
        Assert.Equal(["q:big"], usage.Body.GetProperty("topics").EnumerateObject().Select(t => t.Name));
        Assert.True(usage.Body.GetProperty("topics_truncated").GetBoolean());
        Assert.Equal(4, usage.Body.GetProperty("totals").GetProperty("open").GetInt64());
        var prefixed = await GetUsageAsync(cluster, "?prefix=q:");
        Assert.Equal(["q:big", "q:small"], prefixed.Body.GetProperty("topics").EnumerateObject().Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.False(prefixed.Body.GetProperty("topics_truncated").GetBoolean());

        foreach (var (query, parameter) in new[]
        {
            ("?limit=0", "limit"),
            ("?limit=1001", "limit"),
            ("?limit=ten", "limit"),
            ($"?prefix={new string('p', 257)}", "prefix"),
        })
        {
            using var response = await cluster.Api.GetAsync("/api/stats/usage" + query);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(parameter, out _), query);
        }
    }

    [Fact]
    public async Task Get_usage_stats_on_a_joined_topic_replies_with_the_cluster_usage()
    {
        await using var cluster = await TestCluster.StartAsync();
        var a = await cluster.StartNodeAsync("node-a");
        var b = await cluster.StartNodeAsync("node-b");
        await using var onA = await PhoenixTestClient.ConnectAsync(Ws(a));
        await using var onB = await PhoenixTestClient.ConnectAsync(Ws(b));
        await onA.JoinAsync("usage:event");
        await onB.JoinAsync("usage:event");

        var reply = await Eventually.MatchAsync(
            () => onA.PushAsync("usage:event", "get_usage_stats"),
            r => r.Status == "ok" && r.Response.GetProperty("cluster_size").GetInt32() == 2);
        var usage = reply.Response;
        Assert.Equal(2, usage.GetProperty("topics").GetProperty("usage:event").GetProperty("open").GetInt64());
        Assert.Equal(["node-a", "node-b"], usage.GetProperty("nodes").EnumerateObject().Select(n => n.Name).Order(StringComparer.Ordinal));
        Assert.Equal(3600, usage.GetProperty("period_seconds").GetInt64());
    }
}
