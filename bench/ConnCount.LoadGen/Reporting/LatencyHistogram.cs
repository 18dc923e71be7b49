using System.Diagnostics;

namespace ConnCount.LoadGen.Reporting;

/// <summary>
/// A lock-free log-linear histogram of microseconds: exact below 64 µs, then 32 buckets per power of two
/// (about 3 % error). Fixed size, so a million samples cost no more memory than ten.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int LinearLimit = 64;
    private const int SubBucketBits = 5;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int MaxExponent = 40;

    private readonly long[] _counts = new long[LinearLimit + ((MaxExponent - 6 + 1) * SubBuckets)];
    private long _count;
    private long _sumMicros;
    private long _maxMicros;

    public void RecordSince(long startTimestamp) => Record(Stopwatch.GetElapsedTime(startTimestamp));

    public void Record(TimeSpan elapsed)
    {
        var micros = Math.Max(0, (long)elapsed.TotalMicroseconds);
        Interlocked.Increment(ref _counts[IndexOf(micros)]);
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sumMicros, micros);

        var max = Volatile.Read(ref _maxMicros);
        while (micros > max)
        {
            var seen = Interlocked.CompareExchange(ref _maxMicros, micros, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    public LatencySummary Summarize()
    {
        var counts = new long[_counts.Length];
        long total = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = Volatile.Read(ref _counts[i]);
            total += counts[i];
        }

        var max = Volatile.Read(ref _maxMicros);
        double Percentile(double p)
        {
            if (total == 0)
            {
                return 0;
            }

            var rank = (long)Math.Ceiling(p * total);
            long seen = 0;
            for (var i = 0; i < counts.Length; i++)
            {
                seen += counts[i];
                if (seen >= rank)
                {
                    return Math.Min(MidpointOf(i), max) / 1000.0;
                }
            }

            return max / 1000.0;
        }

        var mean = total == 0 ? 0 : Volatile.Read(ref _sumMicros) / (double)total / 1000.0;
        return new LatencySummary(
            total,
            Math.Round(mean, 3),
            Math.Round(Percentile(0.50), 3),
            Math.Round(Percentile(0.90), 3),
            Math.Round(Percentile(0.99), 3),
            Math.Round(Percentile(0.999), 3),
            Math.Round(max / 1000.0, 3));
    }

    private static int IndexOf(long micros)
    {
        if (micros < LinearLimit)
        {
            return (int)micros;
        }

        var exponent = Math.Min(63 - (int)ulong.LeadingZeroCount((ulong)micros), MaxExponent);
        var sub = (int)((micros >> (exponent - SubBucketBits)) & (SubBuckets - 1));
        return LinearLimit + ((exponent - 6) * SubBuckets) + sub;
    }

    private static double MidpointOf(int index)
    {
        if (index < LinearLimit)
        {
            return index;
        }

        var exponent = ((index - LinearLimit) / SubBuckets) + 6;
        var sub = (index - LinearLimit) % SubBuckets;
        var width = 1L << (exponent - SubBucketBits);
        var lower = (1L << exponent) + (sub * width);
        return lower + (width / 2.0);
    }
}
