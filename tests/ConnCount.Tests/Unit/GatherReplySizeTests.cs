using ConnCount.Cluster.Contracts;
using ConnCount.SocketNode.Node;

namespace ConnCount.Tests.Unit;

/// <summary>A node's gather reply stays within NATS's payload limit however many user ids its topics hold.</summary>
public class GatherReplySizeTests
{
    private static UserSet Ids(string prefix, int count) =>
        new(Ids: [.. Enumerable.Range(0, count).Select(i => $"{prefix}-user-{i:D8}")]);

    [Fact]
    public void The_largest_id_lists_become_sketches_until_the_reply_fits()
    {
        var sets = new Dictionary<string, UserSet>
        {
            ["big"] = Ids("big", 5_000),
            ["middle"] = Ids("middle", 3_000),
            ["small"] = Ids("small", 10),
        };

        // About 100, 69 and 0.2 KB of ids: 100 KB fits once the biggest is a sketch (22 KB).
        NodeStatsSource.FitUserSets(sets, 100_000);

        Assert.NotNull(sets["big"].Sketch);
        Assert.Equal(3_000, sets["middle"].Ids!.Count);
        Assert.Equal(10, sets["small"].Ids!.Count);
    }

    [Fact]
    public void Replies_within_the_budget_keep_every_id()
    {
        var sets = new Dictionary<string, UserSet> { ["a"] = Ids("a", 1_000), ["b"] = Ids("b", 1_000) };

        NodeStatsSource.FitUserSets(sets, 1_000_000);

        Assert.All(sets.Values, s => Assert.Equal(1_000, s.Ids!.Count));
    }

    [Fact]
    public void Small_lists_are_never_swapped_for_a_bigger_sketch()
    {
        var sets = new Dictionary<string, UserSet> { ["a"] = Ids("a", 100), ["b"] = Ids("b", 100) };

        NodeStatsSource.FitUserSets(sets, 1_000);

        Assert.All(sets.Values, s => Assert.Null(s.Sketch));
    }
}
