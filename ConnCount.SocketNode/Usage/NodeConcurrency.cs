using System.Runtime.InteropServices;

namespace ConnCount.SocketNode.Usage;

/// <summary>
/// The node's open memberships and their peaks (since start, this period, the previous period), without a
/// lock: one <see cref="Interlocked"/> add per event, and a compare-and-swap only when a peak rises or a
/// period begins. A period's peak is packed with its index in one <see cref="long"/> so the two change together.
/// </summary>
internal sealed class NodeConcurrency(long periodMs)
{
    private readonly Counters _c = new();

    public void Joined(long atMs)
    {
        var after = Interlocked.Increment(ref _c.Open);
        Observe(after - 1, after, atMs);
    }

    public void Left(long atMs)
    {
        var after = Interlocked.Decrement(ref _c.Open);
        Observe(after + 1, after, atMs);
    }

    /// <summary>The peaks as of <paramref name="nowMs"/>.</summary>
    public (long SinceStart, long Period, long PreviousPeriod) Peaks(long nowMs)
    {
        var index = nowMs / periodMs;
        var open = Volatile.Read(ref _c.Open);
        var (currentIndex, currentPeak) = Unpack(Volatile.Read(ref _c.Current));
        var (previousIndex, previousPeak) = Unpack(Volatile.Read(ref _c.Previous));
        var sinceStart = Volatile.Read(ref _c.Peak);
        if (currentIndex == index)
        {
            return (sinceStart, currentPeak, previousIndex == index - 1 ? previousPeak : 0);
        }

        // No event yet in this period: the count has not moved since the last one.
        return (sinceStart, open, currentIndex == index - 1 ? Math.Max(currentPeak, open) : open);
    }

    private void Observe(long before, long after, long atMs)
    {
        long peak;
        while (after > (peak = Volatile.Read(ref _c.Peak)) && Interlocked.CompareExchange(ref _c.Peak, after, peak) != peak)
        {
        }

        var index = atMs / periodMs;
        while (true)
        {
            var packed = Volatile.Read(ref _c.Current);
            var (currentIndex, currentPeak) = Unpack(packed);
            if (index <= currentIndex)
            {
                // An event stamped a little before a boundary another thread crossed still happened now.
                if (after <= currentPeak || Interlocked.CompareExchange(ref _c.Current, Pack(currentIndex, after), packed) == packed)
                {
                    return;
                }

                continue;
            }

            // The first event of a period: the count at its start was `before`.
            if (Interlocked.CompareExchange(ref _c.Current, Pack(index, Math.Max(before, after)), packed) == packed)
            {
                Volatile.Write(ref _c.Previous, currentIndex == index - 1 ? packed : Pack(index - 1, before));
                return;
            }
        }
    }

    private static long Pack(long index, long peak) => (index << 32) | Math.Clamp(peak, 0, uint.MaxValue);

    private static (long Index, long Peak) Unpack(long packed) => (packed >>> 32, packed & uint.MaxValue);

    /// <summary>Every field written by joins and leaves, on cache lines of their own away from other objects.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private sealed class Counters
    {
        [FieldOffset(64)] public long Open;
        [FieldOffset(72)] public long Peak;
        [FieldOffset(80)] public long Current;
        [FieldOffset(88)] public long Previous;
    }
}
