using ConnCount.LoadGen.Options;

namespace ConnCount.LoadGen.Workload;

/// <summary>
/// Draws topic indexes uniformly or by Zipf (weight of rank k is 1/k^s, rank 1 is topic 0).
/// Immutable and shared; each worker brings its own <see cref="Random"/>.
/// </summary>
internal sealed class TopicSampler
{
    private readonly int _count;
    private readonly double[]? _cumulative;

    public TopicSampler(int count, TopicDistribution distribution)
    {
        _count = count;
        if (distribution.IsUniform)
        {
            return;
        }

        _cumulative = new double[count];
        var sum = 0.0;
        for (var k = 0; k < count; k++)
        {
            sum += 1.0 / Math.Pow(k + 1, distribution.ZipfExponent);
            _cumulative[k] = sum;
        }

        for (var k = 0; k < count; k++)
        {
            _cumulative[k] /= sum;
        }
    }

    public int Next(Random random)
    {
        if (_cumulative is null)
        {
            return random.Next(_count);
        }

        // First index whose cumulative weight reaches u.
        var u = random.NextDouble();
        int lo = 0, hi = _count - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_cumulative[mid] < u)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>Fills <paramref name="topics"/> with distinct draws; falls back to the lowest free index when a skewed distribution keeps repeating.</summary>
    public void NextDistinct(Random random, Span<int> topics)
    {
        for (var i = 0; i < topics.Length; i++)
        {
            var topic = -1;
            for (var attempt = 0; attempt < 64 && topic < 0; attempt++)
            {
                var candidate = Next(random);
                if (!topics[..i].Contains(candidate))
                {
                    topic = candidate;
                }
            }

            for (var candidate = 0; topic < 0; candidate++)
            {
                if (!topics[..i].Contains(candidate))
                {
                    topic = candidate;
                }
            }

            topics[i] = topic;
        }
    }
}
