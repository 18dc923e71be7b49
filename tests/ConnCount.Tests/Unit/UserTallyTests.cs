using ConnCount.SocketNode.Memberships;
using ConnCount.SocketNode.Protection;

namespace ConnCount.Tests.Unit;

public class UserTallyTests
{
    private readonly TopicTable _topics = new();
    private readonly UserTally _tally = new();

    // As the pipeline does it: counted, then heard of; heard of ending, then uncounted.
    private MembershipEvent Begin(string topic, string? user)
    {
        var counted = _topics.Join(topic);
        var membership = new MembershipEvent(counted.Entry!, new JoinGrant(null, null, User: user), 0);
        _tally.Began(membership);
        return membership;
    }

    private void End(MembershipEvent membership, TopicMembership counted)
    {
        _tally.Ended(membership, 0);
        _topics.Leave(counted);
    }

    private (MembershipEvent Event, TopicMembership Counted) BeginCounted(string topic, string? user)
    {
        var counted = _topics.Join(topic);
        var membership = new MembershipEvent(counted.Entry!, new JoinGrant(null, null, User: user), 0);
        _tally.Began(membership);
        return (membership, counted);
    }

    [Fact]
    public void A_user_with_two_memberships_of_a_topic_stays_until_both_end()
    {
        var first = BeginCounted("room", "alice");
        var second = BeginCounted("room", "alice");
        BeginCounted("room", "bob");
        var entry = _topics.Find("room")!;
        Assert.Equal(2, entry.Users!.Count);
        Assert.Equal(2, entry.Users.MembershipsOf("alice"));

        End(first.Event, first.Counted);
        Assert.Equal(2, entry.Users.Count);

        End(second.Event, second.Counted);
        Assert.Equal(1, entry.Users.Count);
        Assert.Equal(0, entry.Users.MembershipsOf("alice"));
    }

    [Fact]
    public void A_tenants_users_come_and_go_with_its_memberships_and_an_empty_tenant_leaves_nothing()
    {
        MembershipEvent Begin(string topic, string user, string tenant)
        {
            var counted = _topics.Join(topic);
            var membership = new MembershipEvent(counted.Entry!, new JoinGrant(tenant, null, User: user), 0);
            _tally.Began(membership);
            return membership;
        }

        var alice = Begin("room", "alice", "acme");
        var aliceElsewhere = Begin("other", "alice", "acme");
        var bob = Begin("room", "bob", "acme");
        Assert.Equal(2, _tally.TenantUsers("acme"));

        _tally.Ended(alice, 0);
        _tally.Ended(bob, 0);
        Assert.Equal(1, _tally.TenantUsers("acme"));
        _tally.Ended(aliceElsewhere, 0);
        Assert.Null(_tally.TenantUserSets(["acme"], 10));

        // The tenant's retired multiset is gone; a new membership starts a fresh one.
        Begin("room", "carol", "acme");
        Assert.Equal(["carol"], _tally.TenantUserSets(["acme"], 10)!["acme"].Ids);
    }

    [Fact]
    public void Memberships_without_a_user_make_no_user_slot()
    {
        Begin("room", null);
        Begin("room", "");

        Assert.Null(_topics.Find("room")!.Users);
    }

    [Fact]
    public void An_entry_whose_users_are_gone_is_swept_and_one_with_users_is_kept()
    {
        var gone = BeginCounted("gone", "alice");
        BeginCounted("kept", "bob");
        End(gone.Event, gone.Counted);

        Assert.Equal(1, _topics.RemoveEmptyTopics());
        Assert.Null(_topics.Find("gone"));
        Assert.Equal(1, _topics.Find("kept")!.Users!.Count);
    }

    [Fact]
    public void A_user_left_in_the_slot_keeps_the_entry_from_the_sweep()
    {
        // Not a path the pipeline takes (it pairs every begin with an end); the sweep must still not drop the user.
        var counted = _topics.Join("room");
        _tally.Began(new MembershipEvent(counted.Entry!, new JoinGrant(null, null, User: "alice"), 0));
        _topics.Leave(counted);

        Assert.Equal(0, _topics.RemoveEmptyTopics());
        Assert.Equal(1, _topics.Find("room")!.Users!.Count);
    }

    [Fact]
    public async Task Concurrent_joins_and_leaves_with_users_end_exactly_at_the_ledger_while_sweeps_race_them()
    {
        using var stop = new CancellationTokenSource();
        var sweeps = 0;
        var sweeper = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                _topics.RemoveEmptyTopics();
                Interlocked.Increment(ref sweeps);
            }
        });

        // The workers start once the sweeper runs, so they race it rather than finish before it is scheduled.
        await Eventually.MatchAsync(() => Task.FromResult(Volatile.Read(ref sweeps)), s => s > 0, because: "the sweeper runs");

        const int workers = 8;
        var ledgers = new List<(string Topic, string? User)>[workers];
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(() =>
        {
            var random = new Random(w);
            var held = new List<(MembershipEvent Event, TopicMembership Counted)>();
            for (var i = 0; i < 30_000; i++)
            {
                // Leaving more often than joining keeps topics at zero, where sweeps remove their entries.
                if (held.Count > 0 && random.Next(5) < 3)
                {
                    var at = random.Next(held.Count);
                    End(held[at].Event, held[at].Counted);
                    held.RemoveAt(at);
                }
                else
                {
                    var user = random.Next(4) == 0 ? null : "u" + random.Next(6);
                    held.Add(BeginCounted("t" + random.Next(3), user));
                }
            }

            ledgers[w] = [.. held.Select(h => (h.Event.Topic, h.Event.Grant.User))];
        })));
        await stop.CancelAsync();
        await sweeper;

        var expected = ledgers.SelectMany(l => l).Where(m => m.User is not null).ToList();
        foreach (var topic in new[] { "t0", "t1", "t2" })
        {
            var users = _topics.Find(topic)?.Users;
            foreach (var user in Enumerable.Range(0, 6).Select(u => "u" + u))
            {
                Assert.Equal(expected.Count(m => m.Topic == topic && m.User == user), users?.MembershipsOf(user) ?? 0);
            }

            Assert.Equal(expected.Where(m => m.Topic == topic).Select(m => m.User).Distinct().Count(), users?.Count ?? 0);
        }
    }
}
