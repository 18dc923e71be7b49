using ConnCount.Cluster.Durable;

namespace ConnCount.Tests.Unit;

/// <summary>The one estimate of JSON size that cuts node records and closed periods into chunks.</summary>
public class DurableUsageChunksTests
{
    [Theory]
    [InlineData(null, 512 * 1024)]
    [InlineData(0L, 512 * 1024)]
    [InlineData(-1L, 512 * 1024)]
    [InlineData(8L * 1024 * 1024, 4 * 1024 * 1024)]
    [InlineData(long.MaxValue, int.MaxValue / 2)]
    public void A_chunk_may_take_half_the_servers_max_payload_or_half_a_megabyte_when_not_known(long? maxPayload, int expected) =>
        Assert.Equal(expected, UsageChunks.MaxChunkBytes(maxPayload));

    [Theory]
    [InlineData("", 32)]
    [InlineData("room", 36)]
    [InlineData("é", 38)]
    [InlineData("<&>\"'", 32 + (5 * 6))]
    [InlineData("日本", 32 + 12)]
    [InlineData("😀", 32 + 12)]
    [InlineData("a\nb", 32 + 4)]
    [InlineData("a\u0001b", 32 + 8)]
    public void An_entry_counts_32_bytes_and_its_name_as_JSON_writes_it(string name, int expected) =>
        Assert.Equal(expected, UsageChunks.EntrySize(name));

    [Fact]
    public void Fixed_bytes_of_every_chunk_leave_room_for_fewer_entries()
    {
        var names = Enumerable.Range(0, 10).Select(i => $"t{i}").ToList(); // 34 bytes each

        Assert.Equal([10], UsageChunks.Split(names, n => n, 512 + 340).Select(c => c.Count));
        Assert.Equal([9, 1], UsageChunks.Split(names, n => n, 512 + 340, fixedBytes: 1).Select(c => c.Count));
        Assert.Equal(names, UsageChunks.Split(names, n => n, 600, fixedBytes: 1).SelectMany(c => c));
    }

    [Fact]
    public void Each_period_a_chunk_holds_adds_its_object()
    {
        (long Period, string Name)[] entries = [(0, "t0"), (0, "t1"), (1, "t2"), (1, "t3")]; // 34 bytes each

        Assert.Equal([4], UsageChunks.Split(entries, e => e.Name, 512 + 136 + 192, period: e => e.Period).Select(c => c.Count));
        Assert.Equal([3, 1], UsageChunks.Split(entries, e => e.Name, 512 + 136 + 191, period: e => e.Period).Select(c => c.Count));

        // A period cut between two chunks opens again in the second.
        Assert.Equal([1, 1, 1, 1], UsageChunks.Split(entries, e => e.Name, 512 + 34 + 96 + 33, period: e => e.Period).Select(c => c.Count));
    }
}
