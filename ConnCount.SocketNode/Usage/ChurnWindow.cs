namespace ConnCount.SocketNode.Usage;

/// <summary>
/// Joins and leaves in the last minute, in <see cref="Buckets"/> buckets of <see cref="BucketMs"/>: the
/// current bucket and the five before it, so the window is 50 to 60 s long. Buckets are aligned to the
/// Unix epoch, so every node's window covers the same seconds. Not thread-safe: its owner locks.
/// </summary>
internal sealed class ChurnWindow
{
    public const int Buckets = 6;
    public const long BucketMs = 10_000;

    private readonly long[] _epochs = new long[Buckets];
    private readonly long[] _joins = new long[Buckets];
    private readonly long[] _leaves = new long[Buckets];

    public void Joined(long atMs)
    {
        if (Slot(atMs, out var i))
        {
            _joins[i]++;
        }
    }

    public void Left(long atMs)
    {
        if (Slot(atMs, out var i))
        {
            _leaves[i]++;
        }
    }

    /// <summary>Joins and leaves in the window that ends in <paramref name="nowMs"/>'s bucket.</summary>
    public (long Joins, long Leaves) Read(long nowMs)
    {
        var current = nowMs / BucketMs;
        long joins = 0, leaves = 0;
        for (var i = 0; i < Buckets; i++)
        {
            // Epoch 0 is 1970: an untouched bucket is never in the window.
            if (_epochs[i] > current - Buckets && _epochs[i] <= current)
            {
                joins += _joins[i];
                leaves += _leaves[i];
            }
        }

        return (joins, leaves);
    }

    /// <summary>Finds (and, on a new epoch, clears) the bucket of <paramref name="atMs"/>; false when it is older than any bucket kept.</summary>
    private bool Slot(long atMs, out int index)
    {
        var epoch = atMs / BucketMs;
        index = (int)(epoch % Buckets);
        if (_epochs[index] == epoch)
        {
            return true;
        }

        if (_epochs[index] > epoch)
        {
            return false;
        }

        _epochs[index] = epoch;
        _joins[index] = 0;
        _leaves[index] = 0;
        return true;
    }
}
