using ConnCount.Cluster;
using ConnCount.Cluster.Contracts;

namespace ConnCount.Tests.Unit;

public class ClusterAggregatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Started = Now.AddMinutes(-5);

    private static NodeStats Node(string name, long sockets, params (string Topic, long Count)[] topics) =>
        new(name, Started, topics.Sum(t => t.Count), sockets, topics.ToDictionary(t => t.Topic, t => t.Count));

    private static KnownNode Known(string name, long total = 0) => new(name, Started, total, total, Now.AddSeconds(-1));

    [Fact]
    public void Totals_sum_every_node_per_topic_and_per_node()
    {
        var stats = ClusterAggregator.Aggregate(
            [Node("a", 3, ("room:1", 2), ("room:2", 1)), Node("b", 2, ("room:1", 4))],
            [Known("a"), Known("b")],
            Now);

        Assert.Equal(7, stats.TotalConnections);
        Assert.Equal(5, stats.TotalSockets);
        Assert.Equal(2, stats.ClusterSize);
        Assert.Equal(6, stats.Topics["room:1"].Total);
        Assert.Equal(new Dictionary<string, long> { ["a"] = 2, ["b"] = 4 }, stats.Topics["room:1"].Nodes);
        Assert.Equal(1, stats.Topics["room:2"].Total);
        Assert.Equal(3, stats.Nodes["a"].Total);
        Assert.Equal(Now, stats.Nodes["a"].LastSeen);
        Assert.False(stats.Partial);
        Assert.Empty(stats.MissingNodes);
    }

    [Fact]
    public void Zero_nodes_is_an_empty_complete_cluster()
    {
        var stats = ClusterAggregator.Aggregate([], [], Now);

        Assert.Equal(0, stats.ClusterSize);
        Assert.Equal(0, stats.TotalConnections);
        Assert.Empty(stats.Topics);
        Assert.False(stats.Partial);
    }

    [Fact]
    public void Expected_node_that_did_not_answer_is_missing_with_stale_counts_and_not_counted()
    {
        var stats = ClusterAggregator.Aggregate([Node("a", 1, ("t", 1))], [Known("a"), Known("b", total: 9)], Now);

        Assert.True(stats.Partial);
        Assert.Equal(["b"], stats.MissingNodes);
        Assert.Equal(9, stats.Stale["b"].Total);
        Assert.Equal(1, stats.TotalConnections);
        Assert.Equal(1, stats.ClusterSize);
        Assert.False(stats.Nodes.ContainsKey("b"));
    }

    [Fact]
    public void A_node_answering_twice_counts_once()
    {
        var stats = ClusterAggregator.Aggregate([Node("a", 1, ("t", 1)), Node("a", 2, ("t", 2))], [Known("a")], Now);

        Assert.Equal(1, stats.ClusterSize);
        Assert.Equal(2, stats.TotalConnections);
    }

    [Fact]
    public void A_node_not_yet_in_the_directory_is_counted_when_it_answers()
    {
        var stats = ClusterAggregator.Aggregate([Node("new", 1, ("t", 1))], [], Now);

        Assert.Equal(1, stats.ClusterSize);
        Assert.False(stats.Partial);
    }

    [Fact]
    public void Topics_with_zero_or_negative_counts_are_left_out()
    {
        var stats = ClusterAggregator.Aggregate([Node("a", 1, ("t", 0), ("u", -3), ("v", 1))], [Known("a")], Now);

        Assert.Equal(["v"], stats.Topics.Keys);
        Assert.Equal(1, stats.TotalConnections);
    }
}
