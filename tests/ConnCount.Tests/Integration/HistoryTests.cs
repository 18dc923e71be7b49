using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>
/// The cluster history, against real processes: the StatsApi samples the exact figures every interval into
/// JetStream, answers them by step, keeps them across its own restart, and refuses bad ranges.
/// </summary>
public class HistoryTests
{
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["ConnCount__History__Interval"] = "00:00:01",
        ["ConnCount__Auth__SigningKey"] = JoinTokens.SigningKey,
    };

    private static string Instant(DateTimeOffset at) => at.ToString("O", CultureInfo.InvariantCulture);

    private static async Task<JsonElement> HistoryAsync(HttpClient api, DateTimeOffset from, DateTimeOffset? to = null, string step = "1m", CancellationToken cancellationToken = default)
    {
        var query = $"/api/stats/history?from={Uri.EscapeDataString(Instant(from))}&step={step}"
            + (to is { } end ? $"&to={Uri.EscapeDataString(Instant(end))}" : "");
        return await api.GetFromJsonAsync<JsonElement>(query, cancellationToken);
    }

    private static IEnumerable<JsonElement> Points(JsonElement series) => series.GetProperty("points").EnumerateArray();

    private static long Sum(JsonElement series, string field) => Points(series).Sum(p => p.GetProperty(field).GetInt64());

    [Fact]
    public async Task Samples_hold_the_exact_figures_churn_and_tenants_and_outlive_a_restart_of_the_api()
    {
        await using var cluster = await TestCluster.StartAsync(Settings);
        var nodeA = PhoenixTestClient.WebSocketUri(await cluster.StartNodeAsync("node-a"));
        var nodeB = PhoenixTestClient.WebSocketUri(await cluster.StartNodeAsync("node-b"));
        var api = await cluster.StartApiAsync();
        var from = DateTimeOffset.UtcNow.AddMinutes(-5);

        // One sample of the empty cluster first, so every join below falls in an interval with an earlier sample.
        await Eventually.MatchAsync(ct => HistoryAsync(api, from, cancellationToken: ct), h => Points(h).Any(), because: "the first sample is stored");

        var acme = JoinTokens.Issue(["*"], tenant: "acme");
        var clients = new List<PhoenixTestClient>();
        for (var i = 0; i < 5; i++)
        {
            var client = await PhoenixTestClient.ConnectAsync(i < 3 ? nodeA : nodeB);
            Assert.True((await (i < 3 ? client.JoinAsync($"room:{i}", new { token = acme }) : client.JoinAsync($"room:{i}"))).IsOk);
            clients.Add(client);
        }

        var held = await Eventually.MatchAsync(
            ct => HistoryAsync(api, from, cancellationToken: ct),
            // A sample whose gather missed a node under load is marked partial; a later complete one must come.
            h => Points(h).Last() is var last && last.GetProperty("sockets").GetInt64() == 5 && Sum(h, "joins") == 5
                && !last.GetProperty("partial").GetBoolean(),
            because: "a later complete sample holds the five sockets and the five joins");
        var last = Points(held).Last();
        Assert.Equal(5, last.GetProperty("memberships").GetInt64());
        Assert.Equal(2, last.GetProperty("nodes").GetInt32());
        Assert.Equal(3, last.GetProperty("tenants").GetProperty("acme").GetInt64());
        Assert.Equal(0, Sum(held, "leaves"));

        await clients[3].DisposeAsync();
        await clients[4].DisposeAsync();
        var after = await Eventually.MatchAsync(
            ct => HistoryAsync(api, from, cancellationToken: ct),
            h => Points(h).Last().GetProperty("sockets").GetInt64() == 3 && Sum(h, "leaves") == 2,
            because: "the two leaves are in a later sample");
        Assert.Equal(5, Sum(after, "joins"));
        Assert.Equal(3, Points(after).Last().GetProperty("memberships").GetInt64());
        Assert.True(Points(after).Max(p => p.GetProperty("sockets_max").GetInt64()) >= 5);

        // What was stored before the restart is answered the same after it.
        // Two seconds back: every sample before it is stored by now.
        var restartAt = DateTimeOffset.UtcNow.AddSeconds(-2);
        var before = await HistoryAsync(api, from, restartAt, step: "5m");
        await cluster.ApiProcess!.StopAsync(TimeSpan.FromSeconds(15));
        api = await cluster.StartApiAsync();
        var reread = await HistoryAsync(api, from, restartAt, step: "5m");
        Assert.Equal(before.GetProperty("points").GetRawText(), reread.GetProperty("points").GetRawText());
        Assert.Equal(300, reread.GetProperty("step_seconds").GetInt64());
        await Eventually.MatchAsync(
            ct => HistoryAsync(api, restartAt, cancellationToken: ct),
            h => Points(h).Any(p => p.GetProperty("sockets").GetInt64() == 3),
            because: "the restarted API records again");

        foreach (var client in clients.Take(3))
        {
            await client.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("from=2026-12-02T10:00:00Z&to=2026-12-02T09:00:00Z", "from")]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-13-40T00:00:00Z", "to")]
    [InlineData("step=10m", "step")]
    [InlineData("from=2026-11-01T00:00:00Z&to=2026-11-10T00:00:00Z&step=1m", "step")]
    [InlineData("step=1m&step=5m", "step")]
    public async Task A_bad_range_or_step_is_a_400_problem_naming_it(string query, string parameter)
    {
        await using var cluster = await TestCluster.StartAsync();
        var api = await cluster.StartApiAsync();

        using var response = await api.GetAsync("/api/stats/history?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.GetRawText());
    }

    [Fact]
    public async Task A_range_with_nothing_stored_answers_no_points()
    {
        await using var cluster = await TestCluster.StartAsync(new() { ["ConnCount__History__Enabled"] = "false" });
        var api = await cluster.StartApiAsync();

        var series = await HistoryAsync(api, DateTimeOffset.UtcNow.AddHours(-1), step: "1h");

        Assert.Empty(Points(series));
        Assert.Equal(3600, series.GetProperty("step_seconds").GetInt64());
    }
}
