using ConnCount.Cluster.Contracts;
using ConnCount.StatsApi.History;

namespace ConnCount.Tests.Unit;

public class HistoryUnitTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Epoch = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private static UsageNodeView Node(DateTimeOffset startedAt, long joins, long leaves, long joinsPerMinute = 0, long leavesPerMinute = 0)
    {
        var period = new UsagePeriodFigures(0, 0, 0);
        var totals = new UsageFigures(joins - leaves, 0, joins, leaves, 0, 0, period, period, joinsPerMinute, leavesPerMinute, null, null, 0);
        return new UsageNodeView(startedAt, startedAt, totals, 0, false);
    }

    private static HistorySample Sample(DateTimeOffset at, long sockets, long joins = 0, bool partial = false, string[]? missing = null, bool exact = true) =>
        new(at, 60, sockets, sockets * 2, 3 - (missing?.Length ?? 0), missing ?? [], partial, joins, 0, exact, at - Minute,
            new Dictionary<string, long> { ["acme"] = sockets }, false);

    [Fact]
    public void Churn_is_the_difference_of_each_incarnations_counters_and_a_new_incarnation_counts_whole()
    {
        var churn = new HistoryChurn();
        var first = churn.Measure(T0, Minute, new Dictionary<string, UsageNodeView> { ["a"] = Node(Epoch, 100, 40, joinsPerMinute: 6, leavesPerMinute: 3) });
        // No earlier sample: the node's last-minute window, marked as an estimate.
        Assert.Equal((6, 3, false, (DateTimeOffset?)null), (first.Joins, first.Leaves, first.Exact, first.Since));
        churn.Accept(first);

        var restartedB = T0.AddSeconds(20);
        var second = churn.Measure(T0 + Minute, Minute, new Dictionary<string, UsageNodeView>
        {
            ["a"] = Node(Epoch, 130, 45),
            ["b"] = Node(restartedB, 7, 2),
        });
        Assert.Equal((30 + 7, 5 + 2, true, (DateTimeOffset?)T0), (second.Joins, second.Leaves, second.Exact, second.Since));
    }

    [Fact]
    public void A_sample_that_was_not_accepted_leaves_its_churn_to_the_next_and_a_node_seen_anew_is_an_estimate()
    {
        var churn = new HistoryChurn();
        churn.Accept(churn.Measure(T0, Minute, new Dictionary<string, UsageNodeView> { ["a"] = Node(Epoch, 10, 0) }));
        _ = churn.Measure(T0 + Minute, Minute, new Dictionary<string, UsageNodeView> { ["a"] = Node(Epoch, 15, 0) });

        var third = churn.Measure(T0 + (2 * Minute), Minute, new Dictionary<string, UsageNodeView>
        {
            ["a"] = Node(Epoch, 25, 1),
            ["c"] = Node(Epoch, 500, 0, joinsPerMinute: 12),
        });

        // a: 25 - 10 over two minutes; c was missing before and started long ago: its window, inexact.
        Assert.Equal(15 + 12, third.Joins);
        Assert.Equal(1, third.Leaves);
        Assert.False(third.Exact);
        Assert.Equal(T0, third.Since);
    }

    [Fact]
    public void A_series_groups_samples_by_utc_aligned_step_gauges_last_and_max_churn_summed_partial_if_any()
    {
        var samples = new[]
        {
            Sample(T0, 10, joins: 4),
            Sample(T0.AddMinutes(1), 30, joins: 20, partial: true, missing: ["n3"]),
            Sample(T0.AddMinutes(4), 25, joins: 1, exact: false),
            Sample(T0.AddMinutes(5), 7, joins: 2),
        };
        var query = new HistoryQuery(T0, T0.AddMinutes(10), TimeSpan.FromMinutes(5));

        var series = HistorySeries.Of(query, samples);

        Assert.Equal(300, series.StepSeconds);
        Assert.Equal(2, series.Points.Count);
        var first = series.Points[0];
        Assert.Equal(T0, first.At);
        Assert.Equal(3, first.Samples);
        Assert.Equal((25, 30, 50, 60), (first.Sockets, first.SocketsMax, first.Memberships, first.MembershipsMax));
        Assert.Equal((3, 2), (first.Nodes, first.NodesMin));
        Assert.Equal(["n3"], first.MissingNodes);
        Assert.True(first.Partial);
        Assert.Equal(25, first.Joins);
        Assert.False(first.ChurnExact);
        Assert.Equal(25, first.Tenants["acme"]);
        var second = series.Points[1];
        Assert.Equal((T0.AddMinutes(5), 1, 7, false, true), (second.At, second.Samples, second.Sockets, second.Partial, second.ChurnExact));
    }

    [Theory]
    [InlineData(null, null, null, true)]
    [InlineData("2026-12-04T09:00:00Z", "2026-12-04T10:00:00Z", "5m", true)]
    [InlineData("2026-12-04T10:00:00Z", "2026-12-04T10:00:00Z", null, false)]
    [InlineData("2026-12-04T11:00:00Z", "2026-12-04T10:00:00Z", null, false)]
    [InlineData("soon", null, null, false)]
    [InlineData("12/01/2026", null, null, false)]
    [InlineData(null, "0001-01-01T00:30:00Z", null, true)]
    [InlineData(null, null, "2m", false)]
    [InlineData("2026-11-20T00:00:00Z", "2026-11-27T00:00:00Z", "1m", true)]
    [InlineData("2026-11-20T00:00:00Z", "2026-11-27T00:01:00Z", "1m", false)]
    [InlineData("2026-01-01T00:00:00Z", "2026-12-01T00:00:00Z", "1h", true)]
    public void A_query_takes_instants_and_a_known_step_within_the_point_limit(string? from, string? to, string? step, bool valid)
    {
        var ok = HistoryQuery.TryParse(from, to, step, T0, out var query, out var errors);

        Assert.Equal(valid, ok);
        Assert.Equal(valid, errors.Count == 0);
        if (from is null && to is null && valid)
        {
            Assert.Equal((T0.AddHours(-1), T0, Minute), (query.From, query.To, query.Step));
        }
    }

    [Fact]
    public void Samples_are_taken_at_whole_intervals_since_the_epoch()
    {
        Assert.Equal(T0.AddMinutes(1), HistoryRecorder.NextInstant(T0, Minute));
        Assert.Equal(T0.AddMinutes(1), HistoryRecorder.NextInstant(T0.AddSeconds(59.9), Minute));
        Assert.Equal(T0.AddSeconds(15), HistoryRecorder.NextInstant(T0.AddSeconds(14), TimeSpan.FromSeconds(5)));
    }
}
