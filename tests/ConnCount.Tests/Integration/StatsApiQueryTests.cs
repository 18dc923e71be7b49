using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>Topic listings over real nodes and sockets: prefix, order, top N, pages, and 400 for bad values.</summary>
public class StatsApiQueryTests
{
    private static Uri Ws(Uri http) => PhoenixTestClient.WebSocketUri(http);

    private static string[] Names(JsonElement listing) =>
        [.. listing.GetProperty("topics").EnumerateArray().Select(t => t.GetProperty("topic").GetString()!)];

    private static int? NextOffset(JsonElement listing) =>
        listing.GetProperty("next_offset").ValueKind == JsonValueKind.Null ? null : listing.GetProperty("next_offset").GetInt32();

    [Fact]
    public async Task Topics_are_listed_by_count_filtered_by_prefix_cut_to_top_n_and_paged()
    {
        await using var cluster = await TestCluster.StartAsync();
        var a = await cluster.StartNodeAsync("node-a");
        var b = await cluster.StartNodeAsync("node-b");
        await cluster.StartApiAsync();

        // room:a 3, chat:x 2, room:b 2, room:c 1 over two nodes: 8 memberships on 4 topics.
        await using var c1 = await PhoenixTestClient.ConnectAsync(Ws(a));
        await using var c2 = await PhoenixTestClient.ConnectAsync(Ws(b));
        await using var c3 = await PhoenixTestClient.ConnectAsync(Ws(a));
        foreach (var topic in new[] { "room:a", "room:b", "room:c", "chat:x" })
        {
            await c1.JoinAsync(topic);
        }

        foreach (var topic in new[] { "room:a", "room:b", "chat:x" })
        {
            await c2.JoinAsync(topic);
        }

        await c3.JoinAsync("room:a");
        await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => s.GetProperty("total_connections").GetInt64() == 8);

        var all = await cluster.GetStatsAsync("/api/stats/topics");
        Assert.Equal(["room:a", "chat:x", "room:b", "room:c"], Names(all));
        Assert.Equal([3L, 2L, 2L, 1L], all.GetProperty("topics").EnumerateArray().Select(t => t.GetProperty("total").GetInt64()));
        Assert.Equal(4, all.GetProperty("total_topics").GetInt32());
        Assert.Equal(8, all.GetProperty("total_connections").GetInt64());
        Assert.Null(NextOffset(all));
        Assert.False(all.GetProperty("partial").GetBoolean());

        var rooms = await cluster.GetStatsAsync("/api/stats/topics?prefix=room:");
        Assert.Equal(["room:a", "room:b", "room:c"], Names(rooms));
        Assert.Equal(3, rooms.GetProperty("total_topics").GetInt32());
        Assert.Equal(6, rooms.GetProperty("total_connections").GetInt64());

        var first = await cluster.GetStatsAsync("/api/stats/topics?prefix=room:&limit=2");
        Assert.Equal(["room:a", "room:b"], Names(first));
        Assert.Equal(2, NextOffset(first));
        var second = await cluster.GetStatsAsync($"/api/stats/topics?prefix=room:&limit=2&offset={NextOffset(first)}");
        Assert.Equal(["room:c"], Names(second));
        Assert.Null(NextOffset(second));

        var byName = await cluster.GetStatsAsync("/api/stats/topics?sort=name");
        Assert.Equal(["chat:x", "room:a", "room:b", "room:c"], Names(byName));

        var topFirst = await cluster.GetStatsAsync("/api/stats/topics?top=2&limit=1");
        Assert.Equal(["room:a"], Names(topFirst));
        Assert.Equal(1, NextOffset(topFirst));
        var topLast = await cluster.GetStatsAsync("/api/stats/topics?top=2&limit=1&offset=1");
        Assert.Equal(["chat:x"], Names(topLast));
        Assert.Null(NextOffset(topLast));
        Assert.Equal(4, topLast.GetProperty("total_topics").GetInt32());

        var beyond = await cluster.GetStatsAsync("/api/stats/topics?offset=50");
        Assert.Empty(Names(beyond));
        Assert.Null(NextOffset(beyond));

        // The single-topic route still answers beside the listing.
        var one = await cluster.GetStatsAsync("/api/stats/topics/room:a");
        Assert.Equal(3, one.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Cluster_stats_with_top_keep_the_busiest_topics_and_every_total()
    {
        await using var cluster = await TestCluster.StartAsync();
        var a = await cluster.StartNodeAsync("node-a");
        await cluster.StartApiAsync();
        await using var c1 = await PhoenixTestClient.ConnectAsync(Ws(a));
        await using var c2 = await PhoenixTestClient.ConnectAsync(Ws(a));
        foreach (var topic in new[] { "t1", "t2", "t3" })
        {
            await c1.JoinAsync(topic);
        }

        await c2.JoinAsync("t2");
        // The API learns of a node from its announcements: wait until it counts this one's joins.
        await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => s.GetProperty("total_connections").GetInt64() == 4);

        using var response = await cluster.Api.GetAsync("/api/stats?top=1");
        response.EnsureSuccessStatusCode();
        var stats = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(["t2"], stats.GetProperty("topics").EnumerateObject().Select(p => p.Name));
        Assert.Equal(2, stats.GetProperty("topics").GetProperty("t2").GetProperty("total").GetInt64());
        Assert.Equal(4, stats.GetProperty("total_connections").GetInt64());
        Assert.Equal("3", Assert.Single(response.Headers.GetValues("X-Total-Topics")));

        var untrimmed = await cluster.GetStatsAsync();
        Assert.Equal(3, untrimmed.GetProperty("topics").EnumerateObject().Count());
    }

    [Fact]
    public async Task Bad_query_values_answer_400_problem_naming_the_parameter()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.StartApiAsync();

        (string Path, string Parameter)[] cases =
        [
            ("/api/stats/topics?top=-1", "top"),
            ("/api/stats/topics?top=0", "top"),
            ("/api/stats/topics?top=10001", "top"),
            ("/api/stats/topics?top=abc", "top"),
            ("/api/stats/topics?limit=0", "limit"),
            ("/api/stats/topics?limit=10001", "limit"),
            ("/api/stats/topics?offset=-1", "offset"),
            ("/api/stats/topics?offset=1.5", "offset"),
            ("/api/stats/topics?sort=size", "sort"),
            ("/api/stats/topics?prefix=" + new string('p', 257), "prefix"),
            ("/api/stats?top=-5", "top"),
            ("/api/stats?top=20000", "top"),
        ];
        foreach (var (path, parameter) in cases)
        {
            await AssertBadRequestAsync(cluster.Api, path, parameter);
        }
    }

    private static async Task AssertBadRequestAsync(HttpClient api, string path, string parameter)
    {
        using var response = await api.GetAsync(path);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}: {response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), $"{path}: {problem}");
    }
}
