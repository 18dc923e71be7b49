using ConnCount.Cluster.Aggregation;
using ConnCount.Cluster.Contracts;

namespace ConnCount.Tests.Unit;

public class UsageAggregatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 30, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Hour = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static UsageCounters Counters(
        long open = 0, long ms = 0, long peak = 0, long periodMs = 0, long periodPeak = 0, long previousMs = 0, long previousPeak = 0,
        long joinsPerMinute = 0, long leavesPerMinute = 0, long[]? samples = null) =>
        new(open, ms, Joins: ms / 1000, Leaves: ms / 2000, peak, periodMs, periodPeak, previousMs, previousPeak, joinsPerMinute, leavesPerMinute, samples);

    private static UsageReport Report(
        string node,
        UsageCounters totals,
        Dictionary<string, UsageCounters>? topics = null,
        Dictionary<string, UsageCounters>? tenants = null,
        DateTimeOffset? periodStart = null,
        long periodSeconds = 3600,
        int? topicsMatched = null) =>
        new(node, Now.AddHours(-3), Now, periodSeconds, periodStart ?? Hour, 300, totals,
            topics ?? [], topicsMatched ?? topics?.Count ?? 0, tenants ?? [], tenants?.Count ?? 0);

    private static KnownNode Known(string name) => new(name, Now.AddHours(-3), 0, 0, Now);

    [Fact]
    public void Connection_time_joins_and_churn_add_up_exactly_per_topic_tenant_and_node()
    {
        var a = Report("a",
            Counters(open: 3, ms: 10_000, periodMs: 4_000, previousMs: 6_000, joinsPerMinute: 5, leavesPerMinute: 2),
            topics: new() { ["room"] = Counters(open: 2, ms: 7_000, periodMs: 3_000, previousMs: 4_000, joinsPerMinute: 4) },
            tenants: new() { ["acme"] = Counters(open: 1, ms: 1_500, periodMs: 500) });
        var b = Report("b",
            Counters(open: 1, ms: 2_345, periodMs: 2_345, joinsPerMinute: 1, leavesPerMinute: 1),
            topics: new() { ["room"] = Counters(open: 1, ms: 2_345, periodMs: 2_345, joinsPerMinute: 1) },
            tenants: new() { ["acme"] = Counters(open: 1, ms: 2_345, periodMs: 2_345) });

        var usage = UsageAggregator.Aggregate([a, b], [Known("a"), Known("b")], 1000, Now);

        Assert.Equal(2, usage.ClusterSize);
        Assert.False(usage.Partial);
        Assert.Equal(12_345, usage.Totals.ConnectionMs);
        Assert.Equal(6_345, usage.Totals.Period.ConnectionMs);
        Assert.Equal(6_000, usage.Totals.PreviousPeriod.ConnectionMs);
        Assert.Equal(4, usage.Totals.Open);
        Assert.Equal(6, usage.Totals.JoinsPerMinute);
        Assert.Equal(3, usage.Totals.LeavesPerMinute);
        Assert.Equal(9_345, usage.Topics["room"].ConnectionMs);
        Assert.Equal(5, usage.Topics["room"].JoinsPerMinute);
        Assert.Equal(3_845, usage.Tenants["acme"].ConnectionMs);
        Assert.Equal(2_845, usage.Tenants["acme"].Period.ConnectionMs);
        Assert.Equal(10_000, usage.Nodes["a"].Totals.ConnectionMs);
        Assert.Equal(usage.Totals.ConnectionMs, usage.Nodes.Values.Sum(n => n.Totals.ConnectionMs));
        Assert.Equal(Hour, usage.PeriodStart);
        Assert.Equal(3600, usage.PeriodSeconds);
        Assert.Equal(60, usage.ChurnWindowSeconds);
    }

    [Fact]
    public void The_cluster_peak_is_given_as_bounds_the_sum_of_node_peaks_above_and_the_largest_node_or_open_total_below()
    {
        var a = Report("a", Counters(), tenants: new() { ["acme"] = Counters(open: 2, peak: 5, periodPeak: 4, previousPeak: 3) });
        var b = Report("b", Counters(), tenants: new() { ["acme"] = Counters(open: 4, peak: 4, periodPeak: 4, previousPeak: 1) });

        var acme = UsageAggregator.Aggregate([a, b], [], 1000, Now).Tenants["acme"];

        Assert.Equal(9, acme.PeakConcurrentSumOfNodes);
        Assert.Equal(6, acme.PeakConcurrentAtLeast); // 6 open right now beats the largest node peak (5)
        Assert.Equal(8, acme.Period.PeakConcurrentSumOfNodes);
        Assert.Equal(6, acme.Period.PeakConcurrentAtLeast);
        Assert.Equal(4, acme.PreviousPeriod.PeakConcurrentSumOfNodes);
        Assert.Equal(3, acme.PreviousPeriod.PeakConcurrentAtLeast);
    }

    [Fact]
    public void Session_percentiles_are_taken_over_the_union_of_the_nodes_samples()
    {
        var a = Report("a", Counters(samples: [100, 200, 300]), topics: new() { ["room"] = Counters(samples: [100, 200, 300]) });
        var b = Report("b", Counters(samples: [400, 500, 600, 700, 800, 900, 1000]), topics: new() { ["room"] = Counters(samples: [1000]) });

        var usage = UsageAggregator.Aggregate([a, b], [], 1000, Now);

        Assert.Equal(10, usage.Totals.SampledSessions);
        Assert.Equal(500, usage.Totals.SessionMedianMs);
        Assert.Equal(1000, usage.Totals.SessionP95Ms);
        Assert.Equal(4, usage.Topics["room"].SampledSessions);
        Assert.Equal(200, usage.Topics["room"].SessionMedianMs);
        Assert.Null(UsageAggregator.Aggregate([Report("c", Counters())], [], 1000, Now).Totals.SessionMedianMs);
    }

    [Theory]
    [InlineData(new long[] { 7 }, 50, 7)]
    [InlineData(new long[] { 1, 2 }, 50, 1)]
    [InlineData(new long[] { 1, 2, 3, 4 }, 95, 4)]
    [InlineData(new long[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 }, 95, 19)]
    public void Percentiles_use_the_nearest_rank(long[] sorted, int percent, long expected) =>
        Assert.Equal(expected, UsageAggregator.Percentile(sorted, percent));

    [Fact]
    public void An_expected_node_that_did_not_answer_is_missing_and_in_no_figure()
    {
        var usage = UsageAggregator.Aggregate([Report("a", Counters(ms: 5))], [Known("a"), Known("b")], 1000, Now);

        Assert.True(usage.Partial);
        Assert.Equal(["b"], usage.MissingNodes);
        Assert.Equal(5, usage.Totals.ConnectionMs);
        Assert.False(usage.Nodes.ContainsKey("b"));
    }

    [Fact]
    public void A_node_answering_just_before_a_boundary_counts_its_period_as_the_clusters_previous_one()
    {
        var a = Report("a", Counters(periodMs: 100, previousMs: 3_000), periodStart: Hour);
        var late = Report("b", Counters(periodMs: 3_600_000, previousMs: 99), periodStart: Hour.AddHours(-1));

        var usage = UsageAggregator.Aggregate([a, late], [], 1000, Now);

        Assert.Equal(Hour, usage.PeriodStart);
        Assert.Equal(100, usage.Totals.Period.ConnectionMs);
        Assert.Equal(3_603_000, usage.Totals.PreviousPeriod.ConnectionMs);
        Assert.Empty(usage.PeriodMismatchNodes);
        // Its own view keeps its own period.
        Assert.Equal(3_600_000, usage.Nodes["b"].Totals.Period.ConnectionMs);
    }

    [Fact]
    public void A_node_on_another_period_length_is_left_out_of_the_period_figures_and_named()
    {
        var a = Report("a", Counters(ms: 10, periodMs: 10));
        var b = Report("b", Counters(ms: 10, periodMs: 10));
        var odd = Report("odd", Counters(ms: 7, periodMs: 7), periodSeconds: 60, periodStart: Now);

        var usage = UsageAggregator.Aggregate([a, b, odd], [], 1000, Now);

        Assert.Equal(["odd"], usage.PeriodMismatchNodes);
        Assert.Equal(3600, usage.PeriodSeconds);
        Assert.Equal(20, usage.Totals.Period.ConnectionMs);
        Assert.Equal(27, usage.Totals.ConnectionMs);
    }

    [Fact]
    public void Limit_keeps_the_most_used_topics_this_period_and_says_when_it_or_a_node_cut()
    {
        var a = Report("a", Counters(), topics: new()
        {
            ["x"] = Counters(ms: 900, periodMs: 10),
            ["y"] = Counters(ms: 1, periodMs: 50),
            ["z"] = Counters(ms: 5, periodMs: 10),
        });

        var one = UsageAggregator.Aggregate([a], [], 2, Now);
        Assert.Equal(["y", "x"], one.Topics.Keys);
        Assert.True(one.TopicsTruncated);

        var all = UsageAggregator.Aggregate([a], [], 3, Now);
        Assert.False(all.TopicsTruncated);

        var cutByNode = UsageAggregator.Aggregate([Report("b", Counters(), topics: new() { ["x"] = Counters() }, topicsMatched: 40)], [], 1000, Now);
        Assert.True(cutByNode.TopicsTruncated);
    }

    [Fact]
    public void A_node_that_answered_twice_counts_once_with_its_last_reply()
    {
        var usage = UsageAggregator.Aggregate([Report("a", Counters(ms: 1)), Report("a", Counters(ms: 2))], [Known("a")], 1000, Now);

        Assert.Equal(1, usage.ClusterSize);
        Assert.Equal(2, usage.Totals.ConnectionMs);
    }

    [Fact]
    public void Zero_nodes_is_an_empty_complete_answer_without_a_period()
    {
        var usage = UsageAggregator.Aggregate([], [], 1000, Now);

        Assert.Equal(0, usage.ClusterSize);
        Assert.False(usage.Partial);
        Assert.Null(usage.PeriodStart);
        Assert.Equal(0, usage.Totals.ConnectionMs);
        Assert.Empty(usage.Topics);
    }

    [Fact]
    public void A_tenants_users_are_a_union_over_the_nodes_and_only_tenants_carry_users()
    {
        var a = Report("a", Counters(open: 3), tenants: new() { ["acme"] = Counters(open: 3), ["globex"] = Counters(open: 1) }) with
        {
            TenantUsers = new Dictionary<string, UserSet> { ["acme"] = new(Ids: ["alice", "bob"]) },
        };
        var b = Report("b", Counters(open: 1), tenants: new() { ["acme"] = Counters(open: 1) }) with
        {
            TenantUsers = new Dictionary<string, UserSet> { ["acme"] = new(Ids: ["alice"]) },
        };

        var stats = UsageAggregator.Aggregate([a, b], [Known("a"), Known("b")], limit: 10, Now);

        Assert.Equal(2, stats.Tenants["acme"].Users);
        Assert.False(stats.Tenants["acme"].UsersEstimated);
        Assert.Equal(0, stats.Tenants["globex"].Users);
        Assert.Null(stats.Totals.Users);
        Assert.DoesNotContain("alice", System.Text.Json.JsonSerializer.Serialize(stats, ClusterJsonContext.Default.UsageStats), StringComparison.Ordinal);
    }
}
