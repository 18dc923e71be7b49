using System.IO.Hashing;
using System.Numerics;
using System.Runtime.InteropServices;

namespace ConnCount.Cluster.Aggregation;

/// <summary>
/// A HyperLogLog sketch of a set of user ids: 2^14 one-byte registers (16 KiB) whatever the set's size, mergeable by
/// taking each register's maximum, with a relative standard error of about 1.04 / √2^14 ≈ 0.81 %
/// (<see cref="RelativeStandardError"/>). A topic's users travel as one of these when they are too many to list.
/// </summary>
/// <remarks>
/// Ids are hashed with XxHash64 (seed 0) over their UTF-16 code units, so every node and every gatherer, whatever its
/// version or process, puts an id in the same register: sketches from different nodes merge. The estimate is Ertl's
/// improved estimator ("New cardinality estimation algorithms for HyperLogLog sketches", 2017), which needs no
/// empirical bias tables and has no bias bump where the classic algorithm switches from linear counting.
/// </remarks>
public sealed class HyperLogLog
{
    /// <summary>Bits of the hash that pick a register.</summary>
    public const int Precision = 14;

    /// <summary>Registers, and bytes of a serialized sketch.</summary>
    public const int RegisterCount = 1 << Precision;

    /// <summary>Relative standard error of an estimate: 1.04 / √<see cref="RegisterCount"/> = 1.04 / 128.</summary>
    public const double RelativeStandardError = 0.008125;

    // Hash bits left after the register index; a register holds their leading zeros plus one, at most this plus one.
    private const int RankBits = 64 - Precision;

    private readonly byte[] _registers;

    public HyperLogLog() => _registers = new byte[RegisterCount];

    private HyperLogLog(byte[] registers) => _registers = registers;

    /// <summary>Reads a sketch that <see cref="ToBytes"/> wrote; false when the bytes are not one.</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out HyperLogLog sketch)
    {
        sketch = null!;
        if (bytes.Length != RegisterCount || bytes.ContainsAnyInRange((byte)(RankBits + 2), byte.MaxValue))
        {
            return false;
        }

        sketch = new HyperLogLog(bytes.ToArray());
        return true;
    }

    /// <summary>Adds one id.</summary>
    public void Add(string id)
    {
        var hash = XxHash64.HashToUInt64(MemoryMarshal.AsBytes(id.AsSpan()));
        var index = (int)(hash >> RankBits);
        var rank = (byte)(Math.Min(BitOperations.LeadingZeroCount(hash << Precision), RankBits) + 1);
        ref var register = ref _registers[index];
        if (rank > register)
        {
            register = rank;
        }
    }

    /// <summary>Makes this sketch the sketch of the union of both sets.</summary>
    public void Merge(HyperLogLog other)
    {
        var mine = _registers.AsSpan();
        var theirs = other._registers.AsSpan();
        for (var i = 0; i < mine.Length; i++)
        {
            if (theirs[i] > mine[i])
            {
                mine[i] = theirs[i];
            }
        }
    }

    /// <summary>The registers, one byte each: the sketch on the wire.</summary>
    public byte[] ToBytes() => (byte[])_registers.Clone();

    /// <summary>The estimated number of distinct ids added (Ertl's improved raw estimator).</summary>
    public long Estimate()
    {
        const int m = RegisterCount;
        Span<int> histogram = stackalloc int[RankBits + 2];
        foreach (var register in _registers)
        {
            histogram[register]++;
        }

        var z = m * Tau(1 - ((double)histogram[RankBits + 1] / m));
        for (var k = RankBits; k >= 1; k--)
        {
            z = 0.5 * (z + histogram[k]);
        }

        z += m * Sigma((double)histogram[0] / m);
        var alphaInfinity = 1 / (2 * Math.Log(2));
        return (long)Math.Round(alphaInfinity * m * m / z);
    }

    private static double Sigma(double x)
    {
        if (x == 1)
        {
            return double.PositiveInfinity;
        }

        double y = 1, z = x;
        while (true)
        {
            x *= x;
            var previous = z;
            z += x * y;
            y += y;
            if (previous == z)
            {
                return z;
            }
        }
    }

    private static double Tau(double x)
    {
        if (x is 0 or 1)
        {
            return 0;
        }

        double y = 1, z = 1 - x;
        while (true)
        {
            x = Math.Sqrt(x);
            var previous = z;
            y *= 0.5;
            z -= (1 - x) * (1 - x) * y;
            if (previous == z)
            {
                return z / 3;
            }
        }
    }
}
