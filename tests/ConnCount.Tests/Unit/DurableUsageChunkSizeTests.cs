using System.Text.Json;
using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Durable;
using ConnCount.SocketNode.Usage;

namespace ConnCount.Tests.Unit;

/// <summary>What a chunk really takes as JSON on the wire: never more than the chunk size it was cut for.</summary>
public class DurableUsageChunkSizeTests
{
    private const int ChunkBytes = 64 * 1024;
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    /// <summary>Topic names of 256 characters: a number, then one character again and again.</summary>
    private static List<string> Names(char c, int count) => [.. Enumerable.Range(0, count).Select(i => i.ToString("D4") + new string(c, 252))];

    /// <summary>Plain ASCII, and characters the serializer escapes to two or six bytes.</summary>
    public static TheoryData<char> Characters => ['a', 'é', '<', '"', '日', '\n'];

    [Theory]
    [MemberData(nameof(Characters))]
    public void Every_message_of_a_node_record_fits_its_chunk_size_whatever_characters_its_topics_use(char c)
    {
        var deltas = new UsageDeltas(1000, 100_000);
        deltas.Observe(new UsageSnapshot(400, 0, [.. Names(c, 2000).Select(n => new AccountPeriods(new UsageKey(false, n), long.MaxValue / 4, 0))]));

        var messages = deltas.Next(ChunkBytes)!.ToMessages("node-a", Epoch, 1).ToList();

        Assert.True(messages.Count > 1);
        Assert.All(messages, m => Assert.InRange(JsonSerializer.SerializeToUtf8Bytes(m, ClusterJsonContext.Default.UsageRecord).Length, 1, ChunkBytes));
    }

    [Theory]
    [MemberData(nameof(Characters))]
    public void Every_chunk_of_a_closed_period_fits_the_chunk_size_whatever_characters_its_topics_and_tenants_use(char c)
    {
        var stored = new StoredUsage();
        var names = Names(c, 1000);
        var figures = names.ToDictionary(n => n, _ => 1_000_000_000_000_000L, StringComparer.Ordinal);
        stored.Apply(new UsageRecord("node-a", Epoch, 1, 0, 1, 1, Epoch.AddSeconds(2), [new UsagePeriodDelta(Epoch, figures, figures)]));

        var chunks = stored.Close(new PeriodId(1, Epoch), Epoch.AddSeconds(3), ChunkBytes);

        Assert.True(chunks.Count > 1);
        Assert.All(chunks, r => Assert.InRange(JsonSerializer.SerializeToUtf8Bytes(r, ClusterJsonContext.Default.UsagePeriodRecord).Length, 1, ChunkBytes));
    }

    [Fact]
    public void A_node_record_of_many_periods_fits_its_chunk_size()
    {
        // An outage with one-second periods: every period is a delta object of its own, with one short topic.
        var deltas = new UsageDeltas(1000, 100_000);
        for (var period = 0L; period < 5000; period++)
        {
            deltas.Observe(new UsageSnapshot((period * 1000) + 500, period * 1000, [new AccountPeriods(new UsageKey(false, "a"), 500, 1000)]));
        }

        var messages = deltas.Next(ChunkBytes)!.ToMessages("node-a", Epoch, 1).ToList();

        Assert.True(messages.SelectMany(m => m.Periods).Select(p => p.PeriodStart).Distinct().Count() >= 5000);
        Assert.All(messages, m => Assert.InRange(JsonSerializer.SerializeToUtf8Bytes(m, ClusterJsonContext.Default.UsageRecord).Length, 1, ChunkBytes));
    }
}
