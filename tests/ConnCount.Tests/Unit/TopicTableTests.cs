using ConnCount.SocketNode.Memberships;
using ConnCount.SocketNode.Sockets;

namespace ConnCount.Tests.Unit;

public class TopicTableTests
{
    [Fact]
    public void Join_and_leave_count_per_topic_and_report_only_topics_with_members()
    {
        var registry = new TopicTable();
        registry.Join("a");
        registry.Join("a");
        registry.Join("b");

        Assert.Equal(2, registry.Count("a"));
        Assert.Equal(2, registry.TopicCount);
        Assert.Equal(3, registry.TotalMemberships);

        registry.Leave("a");
        registry.Leave("b");

        Assert.Equal(new Dictionary<string, long> { ["a"] = 1 }, registry.SnapshotTopics());
        Assert.Equal(1, registry.TopicCount);
        Assert.Equal(1, registry.TotalMemberships);
        Assert.Equal(0, registry.Count("b"));
    }

    [Fact]
    public void Leave_by_handle_ends_that_membership()
    {
        var registry = new TopicTable();
        var first = registry.Join("a");
        var second = registry.Join("a");
        var other = registry.Join("b");

        Assert.Equal("a", first.Topic);
        Assert.Equal(2, registry.Count("a"));

        registry.Leave(first);
        Assert.Equal(1, registry.Count("a"));
        Assert.Equal(1, registry.Count("b"));

        registry.Leave(second);
        registry.Leave(other);
        Assert.Equal(0, registry.Count("a"));
        Assert.Equal(0, registry.TopicCount);
        Assert.Equal(0, registry.TotalMemberships);
        Assert.Empty(registry.SnapshotTopics());
    }

    [Fact]
    public void Leave_by_handle_twice_throws_and_changes_nothing()
    {
        var registry = new TopicTable();
        var member = registry.Join("a");
        registry.Leave(member);

        Assert.Throws<InvalidOperationException>(() => registry.Leave(member));
        Assert.Throws<ArgumentException>(() => registry.Leave(default(TopicMembership)));
        Assert.Equal(0, registry.Count("a"));

        var next = registry.Join("a");
        Assert.Equal(1, registry.Count("a"));
        registry.Leave(next);
        Assert.Equal(0, registry.Count("a"));
    }

    [Fact]
    public void Leave_without_join_throws_and_changes_nothing()
    {
        var registry = new TopicTable();
        registry.Join("a");
        registry.Leave("a");
        registry.Join("b");

        Assert.Throws<InvalidOperationException>(() => registry.Leave("a"));
        Assert.Throws<InvalidOperationException>(() => registry.Leave("never"));
        Assert.Equal(0, registry.Count("a"));
        Assert.Equal(0, registry.Count("never"));
        Assert.Equal(new Dictionary<string, long> { ["b"] = 1 }, registry.SnapshotTopics());
        Assert.Equal(1, registry.TopicCount);
        Assert.Equal(1, registry.TotalMemberships);
    }

    [Fact]
    public void Leave_by_name_and_by_handle_mix_on_one_topic()
    {
        var registry = new TopicTable();
        var handles = Enumerable.Range(0, 10).Select(_ => registry.Join("a")).ToList();

        // Names take units from any stripe, so some handles find their own stripe emptied and take from another.
        for (var i = 0; i < 5; i++)
        {
            registry.Leave("a");
        }

        Assert.Equal(5, registry.Count("a"));
        foreach (var handle in handles.Take(5))
        {
            registry.Leave(handle);
        }

        Assert.Equal(0, registry.Count("a"));
        Assert.Throws<InvalidOperationException>(() => registry.Leave(handles[5]));
        Assert.Equal(0, registry.Count("a"));
    }

    [Fact]
    public void Empty_topics_stay_out_of_the_counts_until_a_sweep_removes_them()
    {
        var registry = new TopicTable();
        var a = registry.Join("a");
        var b = registry.Join("b");
        registry.Join("c");
        registry.Leave(a);
        registry.Leave(b);

        // The entries of a and b wait for a sweep but are not reported.
        Assert.Equal(1, registry.TopicCount);
        Assert.Equal(new Dictionary<string, long> { ["c"] = 1 }, registry.SnapshotTopics());

        Assert.Equal(2, registry.RemoveEmptyTopics());
        Assert.Equal(0, registry.RemoveEmptyTopics());
        Assert.Equal(1, registry.TopicCount);
        Assert.Equal(1, registry.Count("c"));

        // A handle from before the sweep is not needed again, and the topic comes back on the next join.
        var again = registry.Join("a");
        Assert.Equal(1, registry.Count("a"));
        registry.Leave(again);
        Assert.Throws<InvalidOperationException>(() => registry.Leave("a"));
    }

    [Fact]
    public void Short_lived_topics_do_not_pile_up_without_a_caller_sweeping()
    {
        var registry = new TopicTable();
        const int topics = 100_000;
        for (var i = 0; i < topics; i++)
        {
            registry.Leave(registry.Join("t" + i));
        }

        // The registry sweeps by itself once enough entries were created (on the thread pool, or inline when the pool
        // is behind), so only the entries since the last sweep are left: about 4 × 1024 at most.
        Assert.True(registry.RemoveEmptyTopics() <= 8 * 1024);
        Assert.Equal(0, registry.TopicCount);
        Assert.Equal(0, registry.TotalMemberships);
    }

    [Fact]
    public async Task Concurrent_joins_and_leaves_end_exactly_at_the_ledger()
    {
        var registry = new TopicTable();
        var expected = await RaceAsync(registry, byHandle: false, sweeping: false);

        Assert.Equal(expected, registry.SnapshotTopics());
        Assert.All(registry.SnapshotTopics().Values, v => Assert.True(v > 0));
    }

    [Fact]
    public async Task Concurrent_joins_and_leaves_by_handle_end_exactly_at_the_ledger()
    {
        var registry = new TopicTable();
        var expected = await RaceAsync(registry, byHandle: true, sweeping: false);

        Assert.Equal(expected, registry.SnapshotTopics());
        Assert.Equal(expected.Count, registry.TopicCount);
        Assert.Equal(expected.Values.Sum(), registry.TotalMemberships);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Concurrent_joins_and_leaves_stay_exact_while_sweeps_race_them(bool byHandle)
    {
        var registry = new TopicTable();
        using var stop = new CancellationTokenSource();
        var sweeps = 0;
        var sweeper = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                registry.RemoveEmptyTopics();
                sweeps++;
            }
        });

        var expected = await RaceAsync(registry, byHandle, sweeping: true);
        await stop.CancelAsync();
        await sweeper;

        Assert.True(sweeps > 0);
        Assert.Equal(expected, registry.SnapshotTopics());
        Assert.Equal(expected.Count, registry.TopicCount);
        Assert.Equal(expected.Values.Sum(), registry.TotalMemberships);

        // Whatever the sweeps left behind is empty, and one more sweep removes it.
        registry.RemoveEmptyTopics();
        Assert.Equal(0, registry.RemoveEmptyTopics());
        foreach (var (topic, count) in expected)
        {
            Assert.Equal(count, registry.Count(topic));
        }
    }

    [Fact]
    public void Open_sockets_are_counted_up_to_the_limit()
    {
        var sockets = new OpenSockets();
        Assert.True(sockets.TryOpen(2));
        Assert.True(sockets.TryOpen(2));
        sockets.Closed();

        Assert.Equal(1, sockets.Count);
        Assert.True(sockets.TryOpen(2));
        Assert.False(sockets.TryOpen(2));
        Assert.Equal(2, sockets.Count);
    }

    [Fact]
    public void Stripe_count_is_a_power_of_two_covering_the_processors_up_to_eight()
    {
        var stripes = TopicTable.StripeCount;
        Assert.True(stripes is 1 or 2 or 4 or 8);
        Assert.True(stripes >= Math.Min(Environment.ProcessorCount, 8));
    }

    /// <summary>
    /// Workers join and leave a few topics at random (few, so they fight over the same counters and, when
    /// <paramref name="sweeping"/>, over removing them at zero); returns the per-topic counts their ledgers expect.
    /// </summary>
    private static async Task<Dictionary<string, long>> RaceAsync(TopicTable registry, bool byHandle, bool sweeping)
    {
        const int workers = 8;
        var operations = sweeping ? 30_000 : 50_000;
        var ledgers = new Dictionary<string, long>[workers];

        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(() =>
        {
            var random = new Random(w);
            var held = new Dictionary<string, Stack<TopicMembership>>();
            for (var i = 0; i < operations; i++)
            {
                var topic = "t" + random.Next(4);
                if (!held.TryGetValue(topic, out var memberships))
                {
                    held[topic] = memberships = new Stack<TopicMembership>();
                }

                // Leaving more often than joining keeps topics dropping to zero, where sweeps remove them.
                if (memberships.Count > 0 && random.Next(sweeping ? 5 : 2) < (sweeping ? 3 : 1))
                {
                    var membership = memberships.Pop();
                    if (byHandle)
                    {
                        registry.Leave(membership);
                    }
                    else
                    {
                        registry.Leave(topic);
                    }
                }
                else
                {
                    memberships.Push(registry.Join(topic));
                }
            }

            ledgers[w] = held.ToDictionary(h => h.Key, h => (long)h.Value.Count);
        })));

        return ledgers.SelectMany(l => l)
            .GroupBy(kv => kv.Key, kv => kv.Value)
            .Select(g => (g.Key, Sum: g.Sum()))
            .Where(g => g.Sum > 0)
            .ToDictionary(g => g.Key, g => g.Sum);
    }
}
