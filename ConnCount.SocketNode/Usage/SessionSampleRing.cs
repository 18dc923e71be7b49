namespace ConnCount.SocketNode.Usage;

/// <summary>
/// The lengths of the last <see cref="Capacity"/> sessions that ended, each with when it ended. Lock-free:
/// a writer claims a slot with one <see cref="Interlocked.Increment(ref long)"/> and stores one packed
/// <see cref="long"/>, so readers never see half a sample. Older samples are overwritten, so the ring is a
/// bounded recent sample, not a complete record.
/// </summary>
internal sealed class SessionSampleRing(int capacity, long originMs)
{
    /// <summary>Lengths are kept to the millisecond up to this (about 49.7 days); longer ones are clamped.</summary>
    public const long MaxLengthMs = uint.MaxValue;

    // High 32 bits: the second (since originMs) the session ended, plus one so an empty slot (0) is never a
    // sample. Low 32 bits: the length in ms.
    private readonly long[] _slots = new long[capacity];
    private long _next;

    public int Capacity => _slots.Length;

    public void Add(long endedAtMs, long lengthMs)
    {
        var endSecond = Math.Clamp((endedAtMs - originMs) / 1000, 0, int.MaxValue - 1) + 1;
        var packed = (endSecond << 32) | Math.Clamp(lengthMs, 0, MaxLengthMs);
        var slot = (ulong)(Interlocked.Increment(ref _next) - 1) % (ulong)_slots.Length;
        Volatile.Write(ref _slots[slot], packed);
    }

    /// <summary>The lengths of the kept sessions that ended at or after <paramref name="sinceMs"/> (to the second).</summary>
    public List<long> Read(long sinceMs)
    {
        var fromSecond = Math.Max(0, (sinceMs - originMs) / 1000) + 1;
        var lengths = new List<long>();
        for (var i = 0; i < _slots.Length; i++)
        {
            var packed = Volatile.Read(ref _slots[i]);
            if (packed != 0 && (packed >>> 32) >= fromSecond)
            {
                lengths.Add(packed & uint.MaxValue);
            }
        }

        return lengths;
    }
}
