using ConnCount.Cluster.Contracts;
using ConnCount.SocketNode.Protection;
using ConnCount.SocketNode.Protocol;

namespace ConnCount.Tests.Unit;

public class ClusterLimitBudgetTests
{
    private static readonly TimeSpan Expiry = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    private static readonly DateTimeOffset Started = DateTimeOffset.UnixEpoch;
    private readonly ManualClock _clock = new();

    private ClusterLimitBudget Budget(long maxJoins, Dictionary<string, long>? plans = null) => new(
        new LimitsOptions { Topics = [new TopicLimit { Pattern = "room:*", MaxJoins = maxJoins }], Plans = plans ?? [], UsageSyncInterval = Interval },
        Expiry,
        _clock);

    /// <summary>Three rounds alone: the node has heard a whole round and admits.</summary>
    private static ClusterLimitBudget Warm(ClusterLimitBudget budget, string node = "n1")
    {
        for (var round = 1; round <= 3; round++)
        {
            budget.Publish(node, Started, round);
        }

        return budget;
    }

    private static NodeLimitCounts Remote(string node, long round, long roomJoins, bool admitting = true) =>
        new(node, Started, round, admitting, new Dictionary<string, long> { ["room:a"] = roomJoins }, new Dictionary<string, long>());

    private static int AdmitAll(ClusterLimitBudget budget)
    {
        var admitted = 0;
        while (budget.TryAdmit("room:a", JoinGrant.Anonymous) is null)
        {
            admitted++;
        }

        return admitted;
    }

    [Fact]
    public void Alone_a_node_admits_up_to_the_limit_and_a_release_makes_room()
    {
        var budget = Warm(Budget(3));
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(budget.TryAdmit("room:a", JoinGrant.Anonymous));
        }

        Assert.Equal(ReplyReasons.TopicFull, budget.TryAdmit("room:a", JoinGrant.Anonymous));
        Assert.Null(budget.TryAdmit("other", JoinGrant.Anonymous));
        budget.Release("room:a", JoinGrant.Anonymous);
        Assert.Null(budget.TryAdmit("room:a", JoinGrant.Anonymous));
        Assert.Equal(ReplyReasons.TopicFull, budget.TryAdmit("room:a", JoinGrant.Anonymous));
        Assert.Equal(3, budget.Publish("n1", Started, 4).Topics["room:a"]);
    }

    [Fact]
    public void A_node_refuses_limited_joins_until_it_has_heard_a_whole_round_and_skipping_a_round_pauses_it_again()
    {
        var budget = Budget(10);
        Assert.False(budget.Ready);
        Assert.Equal(ReplyReasons.TopicFull, budget.TryAdmit("room:a", JoinGrant.Anonymous));
        Assert.Null(budget.TryAdmit("other", JoinGrant.Anonymous));
        Assert.False(budget.Publish("n1", Started, 7).Admitting);
        Assert.False(budget.Publish("n1", Started, 8).Admitting);
        Assert.Equal(ReplyReasons.TopicFull, budget.TryAdmit("room:a", JoinGrant.Anonymous));

        Assert.True(budget.Publish("n1", Started, 9).Admitting);
        Assert.True(budget.Ready);
        Assert.Null(budget.TryAdmit("room:a", JoinGrant.Anonymous));

        // Round 10 went by unpublished (the node was busy): the others did not count it in, so it waits a round.
        Assert.False(budget.Publish("n1", Started, 11).Admitting);
        Assert.Equal(ReplyReasons.TopicFull, budget.TryAdmit("room:a", JoinGrant.Anonymous));
        Assert.True(budget.Publish("n1", Started, 12).Admitting);
        Assert.Null(budget.TryAdmit("room:a", JoinGrant.Anonymous));
    }

    [Fact]
    public void One_round_admits_only_its_share_of_what_is_left()
    {
        var budget = Warm(Budget(9));
        budget.Receive(Remote("n2", 3, 0));
        budget.Receive(Remote("n3", 3, 0));
        budget.Publish("n1", Started, 4);
        budget.Receive(Remote("n2", 4, 0));
        budget.Receive(Remote("n3", 4, 0));
        // Nine left over three nodes that published last round: three now, more only in the next round.
        Assert.Equal(3, AdmitAll(budget));
        budget.Publish("n1", Started, 5);
        budget.Receive(Remote("n2", 5, 0));
        budget.Receive(Remote("n3", 5, 0));
        Assert.Equal(2, AdmitAll(budget));
    }

    [Fact]
    public void A_node_whose_round_has_not_arrived_counts_as_everything_it_could_have_admitted()
    {
        // The burst that once overshot: a node starting its round before hearing the others' counts of that round
        // must not take the others' unpublished joins for free room.
        var (budgets, names) = Cluster(12);
        var first = budgets.Sum(AdmitAll);
        Assert.Equal(12, first);

        // Round 4 begins on "a" alone: b and c each may hold four more joins than they said in round 3.
        budgets[0].Publish("a", Started, 4);
        Assert.Equal(0, AdmitAll(budgets[0]));
        budgets[1].Receive(budgets[0].Publish("a", Started, 4));
        budgets[1].Publish("b", Started, 4);
        Assert.Equal(0, AdmitAll(budgets[1]));
    }

    [Fact]
    public void However_publishes_deliveries_joins_and_leaves_interleave_the_cluster_never_exceeds_the_limit_by_more_than_nodes_minus_one()
    {
        var random = new Random(20261204);
        for (var trial = 0; trial < 300; trial++)
        {
            var nodes = random.Next(2, 6);
            var limit = random.Next(1, 60);
            new Simulation(this, random, nodes, limit).Run(rounds: 12);
        }
    }

    [Fact]
    public void After_the_rounds_settle_the_cluster_fills_to_its_limit()
    {
        var (budgets, names) = Cluster(20);
        var admitted = 0;
        for (var round = 4; round < 12 && admitted < 20; round++)
        {
            Deliver(budgets, names, round);
            admitted += AdmitAll(budgets[round % 3]);
        }

        Assert.Equal(20, admitted);
    }

    [Fact]
    public void A_node_that_stops_publishing_costs_one_share_until_it_expires_then_nothing()
    {
        var survivor = Warm(Budget(9));
        survivor.Receive(Remote("dead", 2, 0));
        survivor.Receive(Remote("dead", 3, 3));
        survivor.Publish("n1", Started, 4);
        // Round 3 holds n1 (0) and dead (3), both admitting: the dead node may have taken ceil((9 - 3) / 2) = 3 more,
        // so 9 - 3 - 3 = 3 are left for the two nodes of round 3, of which this node's share is 2.
        Assert.Equal(2, AdmitAll(survivor));

        _clock.Advance(Expiry + TimeSpan.FromMilliseconds(1));
        for (var round = 5; round <= 7; round++)
        {
            survivor.Publish("n1", Started, round);
        }

        Assert.Equal(7, AdmitAll(survivor));
    }

    [Fact]
    public void A_remote_count_stops_counting_once_older_than_the_node_expiry()
    {
        var budget = Warm(Budget(5));
        budget.Receive(Remote("n2", 3, 5, admitting: false));
        Assert.Equal(ReplyReasons.TopicFull, budget.TryAdmit("room:a", JoinGrant.Anonymous));

        _clock.Advance(Expiry - TimeSpan.FromMilliseconds(1));
        Assert.Equal(ReplyReasons.TopicFull, budget.TryAdmit("room:a", JoinGrant.Anonymous));

        _clock.Advance(TimeSpan.FromMilliseconds(2));
        budget.Publish("n1", Started, 4);
        budget.Publish("n1", Started, 5);
        // Expired: n2 neither counts its joins nor takes a share.
        Assert.Equal(5, AdmitAll(budget));
    }

    [Fact]
    public void A_tenant_is_held_to_its_plan_across_topics_and_a_tenant_without_a_plan_is_not_limited()
    {
        var budget = Warm(new ClusterLimitBudget(new LimitsOptions { Plans = new() { ["free"] = 2 } }, Expiry, _clock));
        var acme = new JoinGrant("acme", "free");
        Assert.Null(budget.TryAdmit("x", acme));
        Assert.Null(budget.TryAdmit("y", acme));
        Assert.Equal(ReplyReasons.TenantFull, budget.TryAdmit("z", acme));
        Assert.Null(budget.TryAdmit("z", new JoinGrant("other", "free")));
        Assert.Null(budget.TryAdmit("z", new JoinGrant("acme", "unknown-plan")));
        budget.Release("x", acme);
        Assert.Null(budget.TryAdmit("z", acme));
    }

    [Fact]
    public void A_user_is_held_to_the_per_user_limit_across_topics_and_tenants_and_across_nodes()
    {
        var options = new LimitsOptions { MaxJoinsPerUser = 3, UsageSyncInterval = Interval };
        var here = Warm(new ClusterLimitBudget(options, Expiry, _clock), "a");
        var ada = new JoinGrant("acme", null, User: "ada");
        Assert.Null(here.TryAdmit("x", ada));
        Assert.Null(here.TryAdmit("y", ada with { Tenant = "globex" }));
        Assert.Null(here.TryAdmit("z", new JoinGrant(null, null, User: "bob")));
        Assert.Null(here.TryAdmit("z", JoinGrant.Anonymous));

        // Another node already holds one of ada's joins: the cluster has room for none more.
        here.Receive(new NodeLimitCounts("b", Started, 3, false, new Dictionary<string, long>(), new Dictionary<string, long>(), new Dictionary<string, long> { ["ada"] = 1 }));
        Assert.Equal(ReplyReasons.UserFull, here.TryAdmit("w", ada));
        Assert.Equal(2, here.Publish("a", Started, 4).Users!["ada"]);

        here.Release("x", ada);
        Assert.Null(here.TryAdmit("w", ada));
        Assert.Equal(ReplyReasons.UserFull, here.TryAdmit("v", ada));
    }

    [Fact]
    public void Rounds_are_the_same_on_every_node_and_follow_the_interval()
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_000_124);
        Assert.Equal(4000, ClusterLimitBudget.RoundAt(at, Interval));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_000_250), ClusterLimitBudget.RoundStart(4001, Interval));
    }

    /// <summary>Three nodes that heard each other's first three rounds.</summary>
    private (ClusterLimitBudget[] Budgets, string[] Names) Cluster(long maxJoins)
    {
        var budgets = new[] { Budget(maxJoins), Budget(maxJoins), Budget(maxJoins) };
        var names = new[] { "a", "b", "c" };
        for (var round = 1; round <= 3; round++)
        {
            Deliver(budgets, names, round);
        }

        return (budgets, names);
    }

    /// <summary>Every node publishes <paramref name="round"/> and hears every other's.</summary>
    private static void Deliver(ClusterLimitBudget[] budgets, string[] names, long round)
    {
        var published = budgets.Select((b, i) => b.Publish(names[i], Started, round)).ToArray();
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

    /// <summary>
    /// A cluster in random order: in each round every node starts its round at a random moment, each publish reaches
    /// each other node at a random later moment within the round, and joins and leaves land anywhere in between.
    /// After every step the admitted total stays within the limit plus nodes − 1.
    /// </summary>
    private sealed class Simulation(ClusterLimitBudgetTests owner, Random random, int nodes, int limit)
    {
        private readonly ClusterLimitBudget[] _budgets = Enumerable.Range(0, nodes).Select(_ => owner.Budget(limit)).ToArray();
        private readonly int[] _members = new int[nodes];

        public void Run(int rounds)
        {
            for (var round = 1; round <= rounds; round++)
            {
                var steps = new List<(double At, Action Step)>();
                for (var node = 0; node < nodes; node++)
                {
                    var publisher = node;
                    var publishAt = random.NextDouble() * 0.3;
                    steps.Add((publishAt, () =>
                    {
                        var counts = _budgets[publisher].Publish($"n{publisher}", Started, round);
                        for (var other = 0; other < nodes; other++)
                        {
                            if (other != publisher)
                            {
                                var receiver = other;
                                Later(publishAt, () => _budgets[receiver].Receive(counts));
                            }
                        }
                    }));
                }

                for (var attempt = 0; attempt < limit; attempt++)
                {
                    var node = random.Next(nodes);
                    steps.Add((random.NextDouble(), () => Join(node)));
                }

                for (var leave = 0; leave < limit / 8; leave++)
                {
                    var node = random.Next(nodes);
                    steps.Add((random.NextDouble(), () => Leave(node)));
                }

                _pending = steps;
                while (_pending.Count > 0)
                {
                    var next = _pending.MinBy(s => s.At);
                    _pending.Remove(next);
                    next.Step();
                }
            }
        }

        private List<(double At, Action Step)> _pending = [];

        private void Later(double after, Action step) => _pending.Add((after + (random.NextDouble() * (1 - after)), step));

        private void Join(int node)
        {
            if (_budgets[node].TryAdmit("room:a", JoinGrant.Anonymous) is null)
            {
                _members[node]++;
                Assert.InRange(_members.Sum(), 1, limit + nodes - 1);
            }
        }

        private void Leave(int node)
        {
            if (_members[node] > 0)
            {
                _members[node]--;
                _budgets[node].Release("room:a", JoinGrant.Anonymous);
            }
        }
    }

    private sealed class ManualClock : TimeProvider
    {
        private long _ticks = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
