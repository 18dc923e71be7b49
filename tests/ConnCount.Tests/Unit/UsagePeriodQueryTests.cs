using ConnCount.StatsApi.Usage;

namespace ConnCount.Tests.Unit;

/// <summary>The query of <c>GET /api/stats/usage/periods</c>: <c>from</c>, <c>to</c>, <c>tenant</c> and <c>topic_prefix</c>.</summary>
public class UsagePeriodQueryTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 10, 30, 0, TimeSpan.Zero);

    private static (bool Ok, UsagePeriodQuery Query, Dictionary<string, string[]> Errors) Parse(
        string? from = null, string? to = null, string? tenant = null, string? topicPrefix = null)
    {
        var ok = UsagePeriodQuery.TryParse(from, to, tenant, topicPrefix, Now, out var query, out var errors);
        return (ok, query, errors);
    }

    /// <summary>The query is refused, naming exactly <paramref name="parameters"/>.</summary>
    private static void AssertRejected(string[] parameters, string? from = null, string? to = null, string? tenant = null, string? topicPrefix = null)
    {
        var (ok, _, errors) = Parse(from, to, tenant, topicPrefix);

        Assert.False(ok);
        Assert.Equal(parameters, errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void No_values_mean_the_day_before_now_every_tenant_and_every_topic()
    {
        var (ok, query, errors) = Parse();

        Assert.True(ok);
        Assert.Empty(errors);
        Assert.Equal(new UsagePeriodQuery(Now.AddDays(-1), Now, null, ""), query);
    }

    [Theory]
    [InlineData("", "")]
    [InlineData(null, "")]
    [InlineData("", null)]
    public void An_empty_from_or_to_is_its_default(string? from, string? to)
    {
        var (ok, query, _) = Parse(from, to);

        Assert.True(ok);
        Assert.Equal(Now.AddDays(-1), query.From);
        Assert.Equal(Now, query.To);
    }

    [Fact]
    public void Without_from_the_range_is_the_day_before_to()
    {
        var (ok, query, _) = Parse(to: "2026-06-15T12:00:00Z");

        Assert.True(ok);
        Assert.Equal(new DateTimeOffset(2026, 6, 14, 12, 0, 0, TimeSpan.Zero), query.From);
        Assert.Equal(new DateTimeOffset(2026, 6, 15, 12, 0, 0, TimeSpan.Zero), query.To);
    }

    [Fact]
    public void Without_to_the_range_ends_now()
    {
        var (ok, query, _) = Parse(from: "2026-11-01T00:00:00Z");

        Assert.True(ok);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), query.From);
        Assert.Equal(Now, query.To);
    }

    [Theory]
    [InlineData("2026-11-30T00:00:00Z", "2026-11-30T00:00:00Z")]
    [InlineData("2026-11-30T01:00:00+01:00", "2026-11-30T00:00:00Z")]
    [InlineData("2026-11-29T19:00:00-05:00", "2026-11-30T00:00:00Z")]
    [InlineData("2026-11-30T00:00:00", "2026-11-30T00:00:00Z")]
    [InlineData("2026-11-30", "2026-11-30T00:00:00Z")]
    [InlineData("2026-11-30T00:00:00.250Z", "2026-11-30T00:00:00.250Z")]
    public void An_instant_is_read_as_UTC_and_one_without_an_offset_is_taken_as_UTC(string raw, string utc)
    {
        var (ok, query, _) = Parse(from: raw);

        Assert.True(ok);
        Assert.Equal(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), query.From);
        Assert.Equal(TimeSpan.Zero, query.From.Offset);
    }

    [Fact]
    public void A_reversed_range_is_an_error_on_from()
    {
        AssertRejected(["from"], "2026-12-02T00:00:00Z", "2026-12-01T00:00:00Z");
    }

    [Fact]
    public void A_from_after_now_without_to_is_a_reversed_range()
    {
        AssertRejected(["from"], from: "2026-12-01T10:30:00.001Z");
    }

    [Fact]
    public void An_empty_range_is_allowed()
    {
        var (ok, query, _) = Parse("2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z");

        Assert.True(ok);
        Assert.Equal(query.From, query.To);
    }

    [Fact]
    public void A_range_of_exactly_366_days_is_allowed_and_a_longer_one_is_an_error_on_to()
    {
        Assert.True(Parse("2025-01-01T00:00:00Z", "2026-01-02T00:00:00Z").Ok);
        Assert.Equal(UsagePeriodQuery.MaxRange, TimeSpan.FromDays(366));

        AssertRejected(["to"], "2025-01-01T00:00:00Z", "2026-01-02T00:00:00.001Z");
    }

    [Fact]
    public void A_from_more_than_366_days_before_now_without_to_is_too_long()
    {
        AssertRejected(["to"], from: "2025-11-01T00:00:00Z");
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2026-13-45")]
    [InlineData("2026-02-30T00:00:00Z")]
    [InlineData("2026-12-01T25:00:00Z")]
    [InlineData("1764547200")]
    [InlineData(" ")]
    [InlineData("2026-12-01T00:00:00Zjunk")]
    public void An_unparsable_from_or_to_is_an_error_naming_it(string raw)
    {
        var (fromOk, _, fromErrors) = Parse(from: raw);
        var (toOk, _, toErrors) = Parse(to: raw);

        Assert.False(fromOk);
        Assert.Equal(["from"], fromErrors.Keys);
        Assert.Contains("ISO 8601", fromErrors["from"][0], StringComparison.Ordinal);
        Assert.False(toOk);
        Assert.Equal(["to"], toErrors.Keys);
    }

    [Fact]
    public void Both_unparsable_are_both_named_and_the_range_is_not_checked_on_top()
    {
        AssertRejected(["from", "to"], "nope", "never");
    }

    [Fact]
    public void An_unparsable_to_is_not_also_reported_as_a_reversed_range()
    {
        // to falls back to now internally; a from after now is still only the bad to.
        AssertRejected(["to"], "2027-01-01T00:00:00Z", "never");
    }

    [Fact]
    public void A_to_at_the_start_of_time_without_from_is_a_range_from_the_start_of_time()
    {
        // The default from is a day before to; there is no day before 0001-01-01.
        var (ok, query, errors) = Parse(to: "0001-01-01T12:00:00Z");

        Assert.True(ok, string.Join("; ", errors.SelectMany(e => e.Value)));
        Assert.Equal(DateTimeOffset.MinValue, query.From);
        Assert.Equal(new DateTimeOffset(1, 1, 1, 12, 0, 0, TimeSpan.Zero), query.To);
    }

    [Fact]
    public void A_tenant_is_kept_as_given()
    {
        var (ok, query, _) = Parse(tenant: "acme, inc.");

        Assert.True(ok);
        Assert.Equal("acme, inc.", query.Tenant);
        Assert.True(Parse(tenant: new string('t', 256)).Ok);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(257)]
    public void A_tenant_of_no_characters_or_over_256_is_an_error_on_tenant(int length)
    {
        AssertRejected(["tenant"], tenant: new string('t', length));
    }

    [Fact]
    public void A_topic_prefix_is_kept_as_given_up_to_256_characters()
    {
        Assert.Equal("room:", Parse(topicPrefix: "room:").Query.TopicPrefix);
        Assert.Equal("", Parse(topicPrefix: "").Query.TopicPrefix);
        Assert.True(Parse(topicPrefix: new string('p', 256)).Ok);
    }

    [Fact]
    public void A_topic_prefix_over_256_characters_is_an_error_on_topic_prefix()
    {
        AssertRejected(["topic_prefix"], topicPrefix: new string('p', 257));
    }

    [Fact]
    public void Every_bad_parameter_is_named_at_once()
    {
        AssertRejected(["from", "tenant", "topic_prefix"], "2026-12-02T00:00:00Z", "2026-12-01T00:00:00Z", "", new string('p', 300));
    }
}
