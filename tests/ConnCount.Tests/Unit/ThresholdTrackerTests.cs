using ConnCount.StatsApi.Thresholds;
using ConnCount.Cluster.Contracts;

namespace ConnCount.Tests.Unit;

public class ThresholdTrackerTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);

    private static ClusterStats Stats(long total, bool partial = false, params (string Node, long Total)[] nodes) => new(
        total,
        total,
        nodes.Length,
        new Dictionary<string, TopicStats> { ["room"] = new(total, new Dictionary<string, long>()) },
        nodes.ToDictionary(n => n.Node, n => new NodeSummary(n.Total, n.Total, At, At)),
        partial,
        partial ? ["gone"] : [],
        new Dictionary<string, NodeSummary>(),
        At);

    [Fact]
    public void Crossing_up_and_back_down_reports_once_each_with_hysteresis()
    {
        var tracker = new ThresholdTracker([new ThresholdRule { Name = "busy", Scope = "cluster", Up = 100, Down = 80 }]);

        Assert.Empty(tracker.Evaluate(Stats(50)));
        var up = Assert.Single(tracker.Evaluate(Stats(100)));
        Assert.Equal(("busy", "up", 100L), (up.Rule, up.Direction, up.Value));
        Assert.Empty(tracker.Evaluate(Stats(120)));
        Assert.Empty(tracker.Evaluate(Stats(90))); // between Down and Up: no flapping
        Assert.Empty(tracker.Evaluate(Stats(101)));
        var down = Assert.Single(tracker.Evaluate(Stats(80)));
        Assert.Equal("down", down.Direction);
        Assert.Empty(tracker.Evaluate(Stats(85)));
    }

    [Fact]
    public void Node_rules_track_each_node_apart()
    {
        var tracker = new ThresholdTracker([new ThresholdRule { Name = "hot-node", Scope = "node", Up = 10, Down = 5 }]);

        var events = tracker.Evaluate(Stats(20, false, ("a", 12), ("b", 8)));

        var up = Assert.Single(events);
        Assert.Equal("a", up.Key);
        Assert.Equal("b", Assert.Single(tracker.Evaluate(Stats(20, false, ("a", 12), ("b", 10)))).Key);
        Assert.Equal(["a"], tracker.Evaluate(Stats(7, false, ("a", 2), ("b", 6))).Select(e => e.Key));
    }

    [Fact]
    public void Partial_stats_do_not_count_as_a_drop()
    {
        var tracker = new ThresholdTracker([new ThresholdRule { Name = "room", Scope = "topic", Topic = "room", Up = 10, Down = 5 }]);
        Assert.Single(tracker.Evaluate(Stats(10)));

        Assert.Empty(tracker.Evaluate(Stats(1, partial: true)));
        Assert.Single(tracker.Evaluate(Stats(1)));
    }

    [Fact]
    public void Invalid_rules_are_refused()
    {
        Assert.False(new ThresholdRule { Name = "x", Up = 5, Down = 5 }.IsValid(out _));
        Assert.False(new ThresholdRule { Name = "x", Scope = "topic", Up = 5, Down = 1 }.IsValid(out _));
        Assert.False(new ThresholdRule { Name = "x", Scope = "galaxy", Up = 5, Down = 1 }.IsValid(out _));
        Assert.True(new ThresholdRule { Name = "x", Scope = "node", Metric = "sockets", Up = 5, Down = 1 }.IsValid(out _));
    }
}
