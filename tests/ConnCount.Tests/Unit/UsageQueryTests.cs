using ConnCount.Cluster.Aggregation;
using ConnCount.Cluster.Contracts;
using ConnCount.StatsApi.Stats;

namespace ConnCount.Tests.Unit;

public class UsageQueryTests
{
    [Fact]
    public void No_values_mean_every_topic_and_the_default_limit()
    {
        Assert.True(UsageQueryParser.TryParse(null, null, out var query, out _));
        Assert.Equal(new UsageQuery("", UsageQuery.DefaultLimit), query);
        Assert.True(UsageQueryParser.TryParse("room:", "25", out query, out _));
        Assert.Equal(new UsageQuery("room:", 25), query);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("1001")]
    [InlineData("abc")]
    [InlineData("1.5")]
    public void A_limit_outside_1_to_1000_is_an_error_on_limit(string limit)
    {
        Assert.False(UsageQueryParser.TryParse(null, limit, out _, out var errors));
        Assert.Equal(["limit"], errors.Keys);
    }

    [Fact]
    public void A_prefix_over_256_characters_is_an_error_on_prefix()
    {
        Assert.False(UsageQueryParser.TryParse(new string('p', 257), null, out _, out var errors));
        Assert.Equal(["prefix"], errors.Keys);
    }

    [Fact]
    public void Nodes_clamp_what_a_request_asks_for()
    {
        Assert.Equal(UsageQuery.Default, UsageQuery.From(null));
        Assert.Equal(new UsageQuery("", 1), UsageQuery.From(new UsageReportRequest(Limit: -5)));
        Assert.Equal(new UsageQuery("a", UsageQuery.MaxLimit), UsageQuery.From(new UsageReportRequest("a", 1_000_000)));
    }
}
