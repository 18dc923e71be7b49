using ConnCount.Cluster.Contracts;
using ConnCount.SocketNode.Protection;
using ConnCount.SocketNode.Protocol;

namespace ConnCount.Tests.Unit;

public class ClusterLimitBudgetTests
{
    private static readonly TimeSpan Expiry = TimeSpan.FromSeconds(5);
    private static readonly DateTimeOffset Started = DateTimeOffset.UnixEpoch;
    private readonly ManualClock _clock = new();

    private ClusterLimitBudget Budget(long maxJoins, Dictionary<string, long>? plans = null) => new(
        new LimitsOptions { Topics = [new TopicLimit { Pattern = "room:*", MaxJoins = maxJoins }], Plans = plans ?? [] },
        Expiry,
        _clock);

    private static NodeLimitCounts Remote(string node, long roomJoins) =>
        new(node, Started, new Dictionary<string, long> { ["room:a"] = roomJoins }, new Dictionary<string, long>());

    [Fact]
    public void Alone_a_node_admits_up_to_the_limit_and_a_release_makes_room()
    {
        var budget = Budget(3);
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(budget.TryAdmit("room:a", default));
        }

        Assert.Equal(ReplyReasons.TopicFull, budget.TryAdmit("room:a", default));
        Assert.Null(budget.TryAdmit("other", default));
        budget.Release("room:a", default);
        Assert.Null(budget.TryAdmit("room:a", default));
        Assert.Equal(ReplyReasons.TopicFull, budget.TryAdmit("room:a", default));
        Assert.Equal(3, budget.Publish("n1", Started).Topics["room:a"]);
    }

    [Fact]
    public void Nodes_working_from_one_view_take_their_share_and_together_overshoot_within_the_documented_slack()
    {
        const long limit = 10;
        var budgets = Enumerable.Range(0, 3).Select(_ => Budget(limit)).ToArray();
        // Every node admits as much as it will from the same (empty) view of the others: ceil(10 / 1) alone, then the
        // nodes learn of each other and each may take ceil(remaining / 3) per window.
        for (var i = 0; i < budgets.Length; i++)
        {
            for (var j = 0; j < budgets.Length; j++)
            {
                if (i != j)
                {
                    budgets[i].Receive(Remote($"n{j}", 0));
                }
            }
        }

        var admitted = 0;
        for (var window = 0; window < 5; window++)
        {
            foreach (var budget in budgets)
            {
                while (budget.TryAdmit("room:a", default) is null)
                {
                    admitted++;
                }
            }

            var published = budgets.Select((b, i) => b.Publish($"n{i}", Started)).ToArray();
            for (var i = 0; i < budgets.Length; i++)
            {
                for (var j = 0; j < budgets.Length; j++)
                {
                    if (i != j)
                    {
                        budgets[i].Receive(published[j]);
                    }
                }
            }
        }

        Assert.InRange(admitted, limit, limit + (2 * (budgets.Length - 1)));
        Assert.All(budgets, b => Assert.Equal(ReplyReasons.TopicFull, b.TryAdmit("room:a", default)));
    }

    [Fact]
    public void One_window_admits_only_its_share_of_what_is_left()
    {
        var budget = Budget(9);
        budget.Receive(Remote("n2", 0));
        budget.Receive(Remote("n3", 0));
        // Nine left over three nodes: three now, more only after the next publish.
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(budget.TryAdmit("room:a", default));
        }

        Assert.Equal(ReplyReasons.TopicFull, budget.TryAdmit("room:a", default));
        budget.Publish("n1", Started);
        Assert.Null(budget.TryAdmit("room:a", default));
    }

    [Fact]
    public void A_remote_count_stops_counting_once_older_than_the_node_expiry()
    {
        var budget = Budget(5);
        budget.Receive(Remote("n2", 5));
        Assert.Equal(ReplyReasons.TopicFull, budget.TryAdmit("room:a", default));

        _clock.Advance(Expiry - TimeSpan.FromMilliseconds(1));
        Assert.Equal(ReplyReasons.TopicFull, budget.TryAdmit("room:a", default));

        _clock.Advance(TimeSpan.FromMilliseconds(2));
        // Expired: n2 neither counts its joins nor takes a share.
        for (var i = 0; i < 5; i++)
        {
            Assert.Null(budget.TryAdmit("room:a", default));
        }

        Assert.Equal(ReplyReasons.TopicFull, budget.TryAdmit("room:a", default));
    }

    [Fact]
    public void A_tenant_is_held_to_its_plan_across_topics_and_a_tenant_without_a_plan_is_not_limited()
    {
        var budget = new ClusterLimitBudget(new LimitsOptions { Plans = new() { ["free"] = 2 } }, Expiry, _clock);
        var acme = new JoinGrant("acme", "free");
        Assert.Null(budget.TryAdmit("x", acme));
        Assert.Null(budget.TryAdmit("y", acme));
        Assert.Equal(ReplyReasons.TenantFull, budget.TryAdmit("z", acme));
        Assert.Null(budget.TryAdmit("z", new JoinGrant("other", "free")));
        Assert.Null(budget.TryAdmit("z", new JoinGrant("acme", "unknown-plan")));
        budget.Release("x", acme);
        Assert.Null(budget.TryAdmit("z", acme));
    }

    private sealed class ManualClock : TimeProvider
    {
        private long _ticks = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
