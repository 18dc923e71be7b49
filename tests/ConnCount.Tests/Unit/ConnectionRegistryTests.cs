using ConnCount.SocketNode.Counting;

namespace ConnCount.Tests.Unit;

public class ConnectionRegistryTests
{
    [Fact]
    public void Join_and_leave_count_per_topic_and_drop_empty_topics()
    {
        var registry = new ConnectionRegistry();
        registry.Join("a");
        registry.Join("a");
        registry.Join("b");

        Assert.Equal(2, registry.Count("a"));
        Assert.Equal(2, registry.TopicCount);

        registry.Leave("a");
        registry.Leave("b");

        Assert.Equal(new Dictionary<string, long> { ["a"] = 1 }, registry.SnapshotTopics());
        Assert.Equal(1, registry.TopicCount);
    }

    [Fact]
    public void Leave_without_join_throws_and_changes_nothing()
    {
        var registry = new ConnectionRegistry();
        registry.Join("a");
        registry.Leave("a");

        Assert.Throws<InvalidOperationException>(() => registry.Leave("a"));
        Assert.Throws<InvalidOperationException>(() => registry.Leave("never"));
        Assert.Equal(0, registry.Count("a"));
        Assert.Empty(registry.SnapshotTopics());
    }

    [Fact]
    public async Task Concurrent_joins_and_leaves_end_exactly_at_the_ledger()
    {
        var registry = new ConnectionRegistry();
        const int workers = 8;
        const int operations = 50_000;
        var ledgers = new Dictionary<string, long>[workers];

        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(() =>
        {
            var random = new Random(w);
            var held = new Dictionary<string, long>();
            for (var i = 0; i < operations; i++)
            {
                // Few topics, so workers fight over the same counters and over retiring them at zero.
                var topic = "t" + random.Next(4);
                if (held.GetValueOrDefault(topic) > 0 && random.Next(2) == 0)
                {
                    registry.Leave(topic);
                    held[topic]--;
                }
                else
                {
                    registry.Join(topic);
                    held[topic] = held.GetValueOrDefault(topic) + 1;
                }
            }

            ledgers[w] = held;
        })));

        var expected = ledgers.SelectMany(l => l)
            .GroupBy(kv => kv.Key, kv => kv.Value)
            .Select(g => (g.Key, Sum: g.Sum()))
            .Where(g => g.Sum > 0)
            .ToDictionary(g => g.Key, g => g.Sum);
        Assert.Equal(expected, registry.SnapshotTopics());
        Assert.All(registry.SnapshotTopics().Values, v => Assert.True(v > 0));
    }

    [Fact]
    public void Sockets_are_counted_apart_from_memberships()
    {
        var registry = new ConnectionRegistry();
        registry.SocketOpened();
        registry.SocketOpened();
        registry.SocketClosed();

        Assert.Equal(1, registry.Sockets);
        Assert.Empty(registry.SnapshotTopics());
    }
}
