using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace ConnCount.ServiceDefaults.Buffers;

/// <summary>
/// Kestrel's buffers: 4 KB blocks carved from pinned slabs, like Kestrel's own pool, except that blocks nobody needed
/// during a whole release period give their pages back to the operating system (<see cref="PageRelease"/>). A burst
/// of writes (a ramp of presence joins writing <c>presence_state</c> to thousands of sockets at once) needs many
/// blocks for a moment; Kestrel's pool keeps them, evicting about 1 % every 10 s, so an idle node keeps the burst's
/// memory for many minutes. Here half of the surplus goes each period, and a released block is reused as it is
/// (its pages come back zeroed on the next touch).
/// </summary>
internal sealed class ReleasingMemoryPool : MemoryPool<byte>
{
    public const int BlockSize = 4096;
    private const int BlocksPerSlab = 32;

    /// <summary>Blocks kept warm whatever the traffic: the pool never releases below this.</summary>
    private const int KeepWarm = 16;

    private readonly ConcurrentQueue<Block> _warm = new();
    private readonly ConcurrentQueue<Block> _released = new();
    private readonly Lock _grow = new();
    private readonly Action<ReleasingMemoryPool>? _onDisposed;
    private int _warmCount;
    private int _releasedCount;
    private int _lowWater;
    private int _slabs;
    private volatile bool _disposed;

    public ReleasingMemoryPool(Action<ReleasingMemoryPool>? onDisposed = null) => _onDisposed = onDisposed;

    public override int MaxBufferSize => BlockSize;

    /// <summary>Bytes of every slab, whatever their state.</summary>
    public long TotalBytes => (long)Volatile.Read(ref _slabs) * BlocksPerSlab * BlockSize;

    /// <summary>Bytes of returned blocks whose pages are still held (the release candidates).</summary>
    public long WarmBytes => (long)Volatile.Read(ref _warmCount) * BlockSize;

    /// <summary>Bytes of blocks whose pages were given back, or never touched.</summary>
    public long ReleasedBytes => (long)Volatile.Read(ref _releasedCount) * BlockSize;

    /// <summary>Bytes of blocks rented now.</summary>
    public long RentedBytes => TotalBytes - WarmBytes - ReleasedBytes;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);

        if (_warm.TryDequeue(out var block))
        {
            var left = Interlocked.Decrement(ref _warmCount);
            // Racy on purpose: an estimate of the least the pool held unused during the period is enough.
            if (left < Volatile.Read(ref _lowWater))
            {
                Volatile.Write(ref _lowWater, left);
            }

            return block;
        }

        if (_released.TryDequeue(out block))
        {
            Interlocked.Decrement(ref _releasedCount);
            return block;
        }

        return Grow();
    }

    /// <summary>
    /// Gives back the pages of half the blocks that stayed unused for the whole period since the last call (above a
    /// small warm reserve), and starts the next period. Returns the bytes released.
    /// </summary>
    public long ReleaseIdle()
    {
        var target = Math.Max(0, (Volatile.Read(ref _lowWater) - KeepWarm + 1) / 2);
        var blocks = new List<Block>(target);
        while (blocks.Count < target && _warm.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _warmCount);
            blocks.Add(block);
        }

        ReleasePages(blocks);
        foreach (var block in blocks)
        {
            _released.Enqueue(block);
            Interlocked.Increment(ref _releasedCount);
        }

        Volatile.Write(ref _lowWater, Volatile.Read(ref _warmCount));
        return (long)blocks.Count * BlockSize;
    }

    /// <summary>One <c>madvise</c> per run of adjacent blocks, not one per block.</summary>
    private static void ReleasePages(List<Block> blocks)
    {
        blocks.Sort(static (a, b) => a.Address.CompareTo(b.Address));
        var i = 0;
        while (i < blocks.Count)
        {
            var start = blocks[i].Address;
            var end = i + 1;
            while (end < blocks.Count && blocks[end].Address == start + ((end - i) * BlockSize))
            {
                end++;
            }

            PageRelease.Release(start, (end - i) * BlockSize);
            i = end;
        }
    }

    private void Return(Block block)
    {
        if (_disposed)
        {
            return;
        }

        _warm.Enqueue(block);
        Interlocked.Increment(ref _warmCount);
    }

    private Block Grow()
    {
        lock (_grow)
        {
            if (_released.TryDequeue(out var block))
            {
                Interlocked.Decrement(ref _releasedCount);
                return block;
            }

            // Pinned (never moved, so its addresses stay valid for madvise and for sockets), one spare page to align
            // the first block on a page. Untouched pages cost nothing until used, so the new blocks count as released.
            var slab = GC.AllocateUninitializedArray<byte>((BlocksPerSlab * BlockSize) + BlockSize, pinned: true);
            var misalignment = (int)(Marshal.UnsafeAddrOfPinnedArrayElement(slab, 0) % BlockSize);
            var first = misalignment == 0 ? 0 : BlockSize - misalignment;
            for (var i = 1; i < BlocksPerSlab; i++)
            {
                _released.Enqueue(new Block(this, slab, first + (i * BlockSize)));
            }

            Interlocked.Add(ref _releasedCount, BlocksPerSlab - 1);
            Interlocked.Increment(ref _slabs);
            return new Block(this, slab, first);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _warm.Clear();
        _released.Clear();
        _onDisposed?.Invoke(this);
    }

    private sealed class Block(ReleasingMemoryPool pool, byte[] slab, int offset) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory { get; } = new(slab, offset, BlockSize);

        public nint Address { get; } = Marshal.UnsafeAddrOfPinnedArrayElement(slab, offset);

        public void Dispose() => pool.Return(this);
    }
}
