using ConnCount.Cluster.Aggregation;
using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Durable;
using ConnCount.SocketNode.Usage;

namespace ConnCount.Tests.Unit;

/// <summary>The pure cores of durable usage: the node's deltas and the API's stored sums.</summary>
public class DurableUsageUnitTests
{
    private const long Period = 1000;
    private static readonly UsageKey Room = new(false, "room");
    private static readonly DateTimeOffset Epoch = DateTimeOffset.FromUnixTimeMilliseconds(0);

    private static UsageSnapshot At(long atMs, long periodMs, long previousMs) =>
        new(atMs, UsageLedger.PeriodStart(atMs, Period), [new AccountPeriods(Room, periodMs, previousMs)]);

    private static Dictionary<long, long> Gains(PendingRecord record) =>
        record.Chunks.SelectMany(c => c).GroupBy(e => e.Period).ToDictionary(g => g.Key, g => g.Sum(e => e.Ms));

    /// <summary>Node a's first incarnation has stored <paramref name="topics"/> in the one-second period at the epoch.</summary>
    private static StoredUsage StoredWith(Dictionary<string, long> topics)
    {
        var stored = new StoredUsage();
        stored.Apply(new UsageRecord("node-a", Epoch, 1, 0, 1, 1, Epoch.AddSeconds(2), [new UsagePeriodDelta(Epoch, topics, new Dictionary<string, long>())]));
        return stored;
    }

    [Fact]
    public void Deltas_add_up_to_the_final_figure_of_each_period_across_a_boundary()
    {
        var deltas = new UsageDeltas(Period, 1000);
        deltas.Observe(At(400, 400, 0));
        var first = deltas.Next(64 * 1024)!;
        deltas.Acknowledge();
        deltas.Observe(At(1300, 300, 1000));
        var second = deltas.Next(64 * 1024)!;

        Assert.Equal(400, Gains(first)[0]);
        Assert.Equal(600, Gains(second)[0]);
        Assert.Equal(300, Gains(second)[1000]);
        Assert.Equal(first.Sequence + 1, second.Sequence);
    }

    [Fact]
    public void A_record_not_acknowledged_is_retried_unchanged_while_new_gains_wait_for_the_next()
    {
        var deltas = new UsageDeltas(Period, 1000);
        deltas.Observe(At(100, 100, 0));
        var head = deltas.Next(64 * 1024)!;
        deltas.Observe(At(200, 200, 0));

        Assert.Same(head, deltas.Next(64 * 1024));
        deltas.Acknowledge();
        var next = deltas.Next(64 * 1024)!;
        Assert.Equal(100, Gains(next)[0]);
        Assert.Equal(head.Sequence + 1, next.Sequence);
    }

    [Fact]
    public void Past_the_buffer_bound_the_oldest_period_is_dropped_and_counted()
    {
        var deltas = new UsageDeltas(Period, 1);
        deltas.Observe(new UsageSnapshot(500, 0, [new AccountPeriods(Room, 500, 0), new AccountPeriods(new UsageKey(true, "acme"), 500, 0)]));
        Assert.Equal(1000, deltas.DroppedMs);
        Assert.Equal(0, deltas.BufferedEntries);
    }

    [Fact]
    public void Stored_usage_applies_a_record_once_however_often_it_is_delivered()
    {
        var stored = new StoredUsage();
        var record = new UsageRecord("node-a", Epoch, 1, 0, 1, 1, Epoch.AddSeconds(2),
            [new UsagePeriodDelta(Epoch, new Dictionary<string, long> { ["room"] = 700 }, new Dictionary<string, long>())]);

        Assert.True(stored.Apply(record));
        Assert.False(stored.Apply(record));
        Assert.Equal(700, stored.SharesOf(new PeriodId(1, Epoch)).Single().Value.ConnectionMs);
    }

    [Fact]
    public void A_period_closes_only_when_every_known_incarnation_has_stored_past_its_end()
    {
        var stored = new StoredUsage();
        var period = new PeriodId(1, Epoch);
        stored.Apply(new UsageRecord("node-a", Epoch, 1, 0, 1, 1, Epoch.AddMilliseconds(500),
            [new UsagePeriodDelta(Epoch, new Dictionary<string, long> { ["room"] = 500 }, new Dictionary<string, long>())]));
        KnownNode[] known = [new("node-a", Epoch, 1, 1, Epoch)];
        var grace = TimeSpan.FromMilliseconds(100);

        Assert.False(stored.CanClose(period, known, Epoch.AddSeconds(5), grace));
        stored.Apply(new UsageRecord("node-a", Epoch, 2, 0, 1, 1, Epoch.AddMilliseconds(1200), []));
        Assert.True(stored.CanClose(period, known, Epoch.AddSeconds(5), grace));
        Assert.False(stored.CanClose(period, known, Epoch.AddMilliseconds(1050), grace));
        Assert.True(stored.CanClose(period, [], Epoch.AddSeconds(5), grace));
    }

    [Fact]
    public void A_closed_period_split_into_chunks_lists_every_topic_once_with_the_same_totals()
    {
        var topics = Enumerable.Range(0, 200).ToDictionary(i => $"topic-{i:D3}", i => (long)i + 1, StringComparer.Ordinal);
        var stored = StoredWith(topics);

        var chunks = stored.Close(new PeriodId(1, Epoch), Epoch.AddSeconds(3), 2048);

        Assert.True(chunks.Count > 1);
        Assert.All(chunks, c => Assert.Equal(topics.Values.Sum(), c.ConnectionMs));
        Assert.Equal(topics.Count, chunks.SelectMany(c => c.Topics.Keys).Distinct().Count());
        Assert.Equal(topics.Values.Sum(), chunks.SelectMany(c => c.Topics.Values).Sum());
    }

    [Fact]
    public void A_node_record_is_cut_where_the_estimated_json_reaches_the_chunk_size()
    {
        // 512 bytes per message and 96 for its period, and per entry 32 plus its JSON-escaped name: 41 for "topic-000", 35 to a 2,048-byte chunk.
        var deltas = new UsageDeltas(Period, 1000);
        deltas.Observe(new UsageSnapshot(400, 0, [.. Enumerable.Range(0, 100).Select(i => new AccountPeriods(new UsageKey(false, $"topic-{i:D3}"), 1, 0))]));

        var record = deltas.Next(2048)!;

        Assert.Equal([35, 35, 30], record.Chunks.Select(c => c.Count));
        Assert.Equal("topic-035", record.Chunks[1][0].Key.Name);
    }

    [Fact]
    public void A_closed_period_is_cut_where_the_estimated_json_with_its_nodes_reaches_the_chunk_size()
    {
        // Every chunk repeats the nodes: 512 + 38 for "node-a", then 41 per topic: 36 to a 2,048-byte chunk.
        var topics = Enumerable.Range(0, 200).ToDictionary(i => $"topic-{i:D3}", i => (long)i + 1, StringComparer.Ordinal);
        var stored = StoredWith(topics);

        var chunks = stored.Close(new PeriodId(1, Epoch), Epoch.AddSeconds(3), 2048);

        Assert.Equal([36, 36, 36, 36, 36, 20], chunks.Select(c => c.Topics.Count));
        Assert.All(chunks, c => Assert.Equal(6, c.Chunks));
    }

    [Fact]
    public void Nothing_to_store_is_one_empty_chunk_and_an_entry_over_the_chunk_size_goes_alone()
    {
        var deltas = new UsageDeltas(Period, 1000);
        deltas.Observe(new UsageSnapshot(400, 0, []));
        Assert.Equal([0], deltas.Next(2048)!.Chunks.Select(c => c.Count));
        Assert.Single(new StoredUsage().Close(new PeriodId(1, Epoch), Epoch.AddSeconds(3), 2048));

        var stored = StoredWith(new Dictionary<string, long> { ["a"] = 1, [new string('x', 2000)] = 2, ["z"] = 3 });
        Assert.Equal([1, 1, 1], stored.Close(new PeriodId(1, Epoch), Epoch.AddSeconds(3), 2048).Select(c => c.Topics.Count));
    }
}
