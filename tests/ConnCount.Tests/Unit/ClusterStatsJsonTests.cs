using System.Globalization;
using ConnCount.Cluster.Aggregation;
using ConnCount.Cluster.Contracts;
using ConnCount.StatsApi;
using ConnCount.StatsApi.Stats;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ConnCount.Tests.Unit;

/// <summary>The bytes <c>GET /api/stats</c> keeps per gather: the body <c>TypedResults.Ok</c> wrote, written once per view.</summary>
public class ClusterStatsJsonTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static IServiceProvider Services()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.AddStatsApi();
        return builder.Services.BuildServiceProvider();
    }

    private static ClusterStats Gather(int topics, int seed = 1)
    {
        var random = new Random(seed);
        var replies = Enumerable.Range(0, 3).Select(n =>
        {
            var counts = Enumerable.Range(0, topics).ToDictionary(t => "room:" + t.ToString(CultureInfo.InvariantCulture), _ => (long)random.Next(1, 50));
            return new NodeStats("node-" + n.ToString(CultureInfo.InvariantCulture), Now, counts.Values.Sum(), 10, counts);
        }).ToList();
        return ClusterAggregator.Aggregate(replies, [new KnownNode("gone", Now, 4, 4, Now)], Now);
    }

    private static async Task<(byte[] Body, string? ContentType)> ExecuteAsync(IResult result, IServiceProvider services)
    {
        var context = new DefaultHttpContext { RequestServices = services };
        using var body = new MemoryStream();
        context.Response.Body = body;
        await result.ExecuteAsync(context);
        return (body.ToArray(), context.Response.ContentType);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(5)]
    [InlineData(100)]
    public async Task Kept_bytes_are_the_body_Ok_writes(int? top)
    {
        var services = Services();
        var stats = Gather(topics: 40);
        var expected = top is { } n && n < stats.Topics.Count ? stats with { Topics = TopicRanking.Top(stats.Topics, n) } : stats;

        var ok = await ExecuteAsync(TypedResults.Ok(expected), services);
        var kept = await ExecuteAsync(new JsonBytesResult<ClusterStats>(services.GetRequiredService<ClusterStatsJson>().Get(stats, top)), services);

        Assert.Equal(ok.ContentType, kept.ContentType);
        Assert.Equal(ok.Body, kept.Body);
    }

    [Fact]
    public void Requests_that_share_a_gather_get_the_same_bytes_and_a_new_gather_gets_new_ones()
    {
        var json = Services().GetRequiredService<ClusterStatsJson>();
        var first = Gather(topics: 30);

        var bodies = new byte[64][];
        Parallel.For(0, bodies.Length, i => bodies[i] = json.Get(first, null));

        Assert.All(bodies, body => Assert.Same(bodies[0], body));
        Assert.Same(bodies[0], json.Get(first, top: 30));
        Assert.Equal(json.Serialize(first, null), bodies[0]);

        var top = json.Get(first, top: 3);
        Assert.Same(top, json.Get(first, top: 3));
        Assert.Equal(json.Serialize(first, 3), top);

        var second = Gather(topics: 30, seed: 2);
        var next = json.Get(second, null);
        Assert.NotSame(bodies[0], next);
        Assert.Equal(json.Serialize(second, null), next);
    }

    [Fact]
    public void Past_a_few_views_per_gather_a_view_is_written_per_request_and_still_right()
    {
        var json = Services().GetRequiredService<ClusterStatsJson>();
        var stats = Gather(topics: 50);

        for (var top = 1; top <= 20; top++)
        {
            Assert.Equal(json.Serialize(stats, top), json.Get(stats, top));
        }
    }
}
