using System.Globalization;
using System.Text.Json;
using ConnCount.Cluster.Aggregation;
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
    [Fact]
    public void Topics_come_in_ordinal_order_with_each_topics_nodes_in_the_order_they_answered()
    {
        var stats = ClusterAggregator.Aggregate(
            [Node("b", 1, ("room:10", 1), ("room:2", 2), ("Room", 1)), Node("a", 1, ("room:2", 3), ("chat", 4))],
            [Known("a"), Known("b")],
            Now);

        Assert.Equal(["Room", "chat", "room:10", "room:2"], stats.Topics.Keys);
        Assert.Equal(["Room", "chat", "room:10", "room:2"], stats.Topics.Select(t => t.Key));
        Assert.Equal(["b", "a"], stats.Topics["room:2"].Nodes.Keys);
        Assert.Equal(2, stats.Topics["room:2"].Nodes["b"]);
        Assert.Equal(3, stats.Topics["room:2"].Nodes["a"]);
        Assert.False(stats.Topics["chat"].Nodes.ContainsKey("b"));
        Assert.False(stats.Topics.ContainsKey("room:3"));
        Assert.Throws<KeyNotFoundException>(() => stats.Topics["room:3"]);
        Assert.Equal(["a", "b"], stats.Nodes.Keys);
    }

    [Fact]
    public void Aggregation_writes_the_same_json_as_a_plain_fold_over_random_gathers()
    {
        var random = new Random(7);
        for (var round = 0; round < 200; round++)
        {
            var nodes = Enumerable.Range(0, random.Next(0, 6)).Select(n => "node-" + n.ToString(CultureInfo.InvariantCulture)).ToArray();
            var replies = new List<NodeStats>();
            foreach (var _ in Enumerable.Range(0, random.Next(0, 8)))
            {
                if (nodes.Length == 0)
                {
                    break;
                }

                // Some topics at zero or below, and some nodes answering twice, as a node may.
                var topics = Enumerable.Range(0, random.Next(0, 40))
                    .Select(t => "room:" + random.Next(0, 60).ToString(CultureInfo.InvariantCulture))
                    .Distinct()
                    .ToDictionary(t => t, _ => (long)random.Next(-2, 50));
                replies.Add(new NodeStats(nodes[random.Next(nodes.Length)], Started, topics.Values.Sum(), random.Next(0, 100), topics, random.Next(4) == 0));
            }

            var expected = nodes.Where(_ => random.Next(3) > 0).Append("gone").Select(n => Known(n, total: 5)).ToList();

            var actual = ClusterAggregator.Aggregate(replies, expected, Now);

            Assert.Equal(Json(PlainFold(replies, expected, Now)), Json(actual));
        }
    }

    private static NodeStats WithUsers(NodeStats node, params (string Topic, UserSet Users)[] topics) =>
        node with { UserSets = topics.ToDictionary(t => t.Topic, t => t.Users) };

    private static UserSet Ids(params string[] ids) => new(Ids: ids);

    private static UserSet Sketch(IEnumerable<string> ids)
    {
        var sketch = new HyperLogLog();
        foreach (var id in ids)
        {
            sketch.Add(id);
        }

        return new UserSet(Sketch: sketch.ToBytes());
    }

    private static IEnumerable<string> Users(string prefix, int from, int count) =>
        Enumerable.Range(from, count).Select(i => prefix + i.ToString(CultureInfo.InvariantCulture));

    [Fact]
    public void A_user_on_two_nodes_counts_once_per_topic_per_node_and_in_the_cluster()
    {
        var stats = ClusterAggregator.Aggregate(
            [
                WithUsers(Node("a", 2, ("room", 2), ("other", 1)), ("room", Ids("alice", "bob")), ("other", Ids("alice"))),
                WithUsers(Node("b", 1, ("room", 1)), ("room", Ids("alice"))),
            ],
            [Known("a"), Known("b")],
            Now);

        Assert.Equal(2, stats.Topics["room"].Users);
        Assert.False(stats.Topics["room"].UsersEstimated);
        Assert.Null(stats.Topics["room"].UsersError);
        Assert.Equal(1, stats.Topics["other"].Users);
        Assert.Equal(2, stats.Nodes["a"].Users);
        Assert.Equal(1, stats.Nodes["b"].Users);
        Assert.Equal(2, stats.Users);
        Assert.False(stats.UsersEstimated);

        // Counts only: no id reaches the JSON a reader gets, and exact counts carry no estimate fields.
        var json = Json(stats);
        Assert.DoesNotContain("alice", json, StringComparison.Ordinal);
        Assert.DoesNotContain("users_estimated", json, StringComparison.Ordinal);
        Assert.Contains("\"users\":2", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Memberships_without_users_leave_every_user_count_at_zero()
    {
        var stats = ClusterAggregator.Aggregate([Node("a", 1, ("room", 3))], [Known("a")], Now);

        Assert.Equal(0, stats.Users);
        Assert.Equal(0, stats.Topics["room"].Users);
        Assert.Equal(0, stats.Nodes["a"].Users);
        Assert.True(stats.UserSets.IsEmpty);
    }

    [Fact]
    public void A_topic_over_the_threshold_is_an_estimate_within_its_bound_and_marked_as_one()
    {
        // 30,000 users, 10,000 of them on both nodes: 40,000 distinct.
        var stats = ClusterAggregator.Aggregate(
            [
                WithUsers(Node("a", 1, ("big", 30_000)), ("big", Sketch(Users("u", 0, 30_000)))),
                WithUsers(Node("b", 1, ("big", 20_000)), ("big", Sketch(Users("u", 20_000, 20_000)))),
            ],
            [Known("a"), Known("b")],
            Now);

        var big = stats.Topics["big"];
        Assert.True(big.UsersEstimated);
        Assert.Equal(HyperLogLog.RelativeStandardError, big.UsersError);
        AssertWithinThreeErrors(40_000, big.Users);
        AssertWithinThreeErrors(30_000, stats.Nodes["a"].Users);
        Assert.True(stats.Nodes["a"].UsersEstimated);
        AssertWithinThreeErrors(40_000, stats.Users);
        Assert.True(stats.UsersEstimated);
        Assert.Contains("\"users_estimated\":true,\"users_error\":0.008125", Json(stats), StringComparison.Ordinal);
    }

    [Fact]
    public void Exact_and_sketched_parts_of_one_topic_merge_into_one_estimate()
    {
        // Node a lists 500 users exactly; node b sketches 20,000, the 500 among them; node c's topic has its own 100.
        var stats = ClusterAggregator.Aggregate(
            [
                WithUsers(Node("a", 1, ("t", 500)), ("t", Ids([.. Users("u", 0, 500)]))),
                WithUsers(Node("b", 1, ("t", 20_000)), ("t", Sketch(Users("u", 0, 20_000)))),
                WithUsers(Node("c", 1, ("t", 100), ("s", 2)), ("t", Ids([.. Users("v", 0, 100)])), ("s", Ids("x", "y"))),
            ],
            [Known("a"), Known("b"), Known("c")],
            Now);

        Assert.True(stats.Topics["t"].UsersEstimated);
        AssertWithinThreeErrors(20_100, stats.Topics["t"].Users);

        // A topic and a node with exact parts only stay exact.
        Assert.False(stats.Topics["s"].UsersEstimated);
        Assert.Equal(2, stats.Topics["s"].Users);
        Assert.Equal(500, stats.Nodes["a"].Users);
        Assert.False(stats.Nodes["a"].UsersEstimated);
        Assert.Equal(102, stats.Nodes["c"].Users);
        Assert.True(stats.UsersEstimated);
        AssertWithinThreeErrors(20_102, stats.Users);
    }

    [Fact]
    public void Users_of_hidden_topics_can_be_left_out_of_the_node_and_cluster_counts()
    {
        var stats = ClusterAggregator.Aggregate(
            [
                WithUsers(Node("a", 1, ("open", 1), ("private:x", 2)), ("open", Ids("alice")), ("private:x", Ids("alice", "carol"))),
                WithUsers(Node("b", 1, ("private:x", 1)), ("private:x", Ids("dave"))),
            ],
            [Known("a"), Known("b")],
            Now);
        Assert.Equal(3, stats.Users);

        var (perNode, cluster) = stats.UserSets.PerNodeAndCluster(topic => !topic.StartsWith("private:", StringComparison.Ordinal));

        Assert.Equal(1, cluster.Users);
        Assert.Equal(1, perNode["a"].Users);
        Assert.Equal(0, perNode["b"].Users);
    }

    private static void AssertWithinThreeErrors(long expected, long actual) =>
        Assert.InRange(actual, expected * (1 - (3 * HyperLogLog.RelativeStandardError)), expected * (1 + (3 * HyperLogLog.RelativeStandardError)));

    private static string Json(ClusterStats stats) => JsonSerializer.Serialize(stats, ClusterJsonContext.Default.ClusterStats);

    // The aggregation as first written: a dictionary per topic, sorted maps, no presizing.
    private static ClusterStats PlainFold(IEnumerable<NodeStats> replies, IEnumerable<KnownNode> expected, DateTimeOffset gatheredAt)
    {
        var byNode = new Dictionary<string, NodeStats>(StringComparer.Ordinal);
        foreach (var reply in replies)
        {
            byNode[reply.Node] = reply;
        }

        var topicNodes = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        var nodes = new SortedDictionary<string, NodeSummary>(StringComparer.Ordinal);
        long totalConnections = 0, totalSockets = 0;
        foreach (var (node, stats) in byNode)
        {
            long nodeTotal = 0;
            foreach (var (topic, count) in stats.Connections.Where(c => c.Value > 0))
            {
                if (!topicNodes.TryGetValue(topic, out var perNode))
                {
                    topicNodes[topic] = perNode = new Dictionary<string, long>(StringComparer.Ordinal);
                }

                perNode[node] = count;
                nodeTotal += count;
            }

            totalConnections += nodeTotal;
            totalSockets += stats.Sockets;
            nodes[node] = new NodeSummary(nodeTotal, stats.Sockets, stats.StartedAt, gatheredAt, stats.Draining);
        }

        var topics = new SortedDictionary<string, TopicStats>(StringComparer.Ordinal);
        foreach (var (topic, perNode) in topicNodes)
        {
            topics[topic] = new TopicStats(perNode.Values.Sum(), perNode);
        }

        var stale = new SortedDictionary<string, NodeSummary>(StringComparer.Ordinal);
        foreach (var known in expected.Where(k => !byNode.ContainsKey(k.Node)))
        {
            stale.TryAdd(known.Node, new NodeSummary(known.Total, known.Sockets, known.StartedAt, known.LastSeen));
        }

        return new ClusterStats(totalConnections, totalSockets, byNode.Count, topics, nodes, stale.Count > 0, [.. stale.Keys], stale, gatheredAt);
    }
}
