using System.Globalization;
using ConnCount.Cluster.Aggregation;

namespace ConnCount.Tests.Unit;

public class HyperLogLogTests
{
    private static HyperLogLog Of(int from, int count)
    {
        var sketch = new HyperLogLog();
        for (var i = from; i < from + count; i++)
        {
            sketch.Add("user-" + i.ToString(CultureInfo.InvariantCulture));
        }

        return sketch;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1_000)]
    [InlineData(10_001)]
    [InlineData(50_000)]
    [InlineData(1_000_000)]
    public void An_estimate_is_within_three_standard_errors(int distinct)
    {
        var estimate = Of(0, distinct).Estimate();

        var bound = 3 * HyperLogLog.RelativeStandardError * distinct;
        Assert.InRange(estimate, distinct - bound, distinct + bound);
    }

    [Fact]
    public void Adding_an_id_again_changes_nothing()
    {
        var once = Of(0, 5_000);
        var twice = Of(0, 5_000);
        twice.Merge(Of(0, 5_000));

        Assert.Equal(once.ToBytes(), twice.ToBytes());
    }

    [Fact]
    public void A_merge_is_the_sketch_of_the_union_and_survives_the_wire()
    {
        var left = Of(0, 30_000);
        Assert.True(HyperLogLog.TryRead(Of(20_000, 30_000).ToBytes(), out var right));

        left.Merge(right);

        Assert.Equal(Of(0, 50_000).ToBytes(), left.ToBytes());
    }

    [Fact]
    public void Bytes_that_are_no_sketch_are_refused()
    {
        Assert.False(HyperLogLog.TryRead(new byte[100], out _));
        var tooHigh = new byte[HyperLogLog.RegisterCount];
        tooHigh[7] = 200;
        Assert.False(HyperLogLog.TryRead(tooHigh, out _));
    }
}
