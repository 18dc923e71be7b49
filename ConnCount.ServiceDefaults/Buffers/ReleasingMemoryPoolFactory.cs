using System.Buffers;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace ConnCount.ServiceDefaults.Buffers;

/// <summary>
/// Kestrel's <see cref="IMemoryPoolFactory{T}"/>: every pool Kestrel asks for is a <see cref="ReleasingMemoryPool"/>,
/// and one timer releases the idle blocks of all of them. Reports the pools' memory by state.
/// </summary>
internal sealed class ReleasingMemoryPoolFactory : IMemoryPoolFactory<byte>, IDisposable
{
    public const string MeterName = "ConnCount.Buffers";

    private readonly List<ReleasingMemoryPool> _pools = [];
    private readonly Lock _sync = new();
    private readonly ITimer _timer;
    private long _releasedTotal;

    public ReleasingMemoryPoolFactory(IOptions<BufferPoolOptions> options, TimeProvider time, IMeterFactory meterFactory)
    {
        var period = options.Value.ReleasePeriod;
        _timer = time.CreateTimer(static state => ((ReleasingMemoryPoolFactory)state!).ReleaseIdle(), this, period, period);

        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableUpDownCounter("conncount.buffers.memory", ObserveMemory, "By",
            "Memory of Kestrel's buffer pools, by state: rented (in use), idle (unused, pages held), released (pages given back).");
        meter.CreateObservableCounter("conncount.buffers.released", () => Interlocked.Read(ref _releasedTotal), "By",
            "Bytes of idle buffers whose pages were given back to the operating system.");
    }

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null)
    {
        var pool = new ReleasingMemoryPool(Remove);
        lock (_sync)
        {
            _pools.Add(pool);
        }

        return pool;
    }

    /// <summary>Bytes of every pool's slabs.</summary>
    public long TotalBytes => Snapshot().Sum(p => p.TotalBytes);

    /// <summary>Bytes of every pool's unused blocks whose pages are held.</summary>
    public long IdleBytes => Snapshot().Sum(p => p.WarmBytes);

    /// <summary>One release round over every pool (the timer's work); returns the bytes released.</summary>
    public long ReleaseIdle()
    {
        long released = 0;
        foreach (var pool in Snapshot())
        {
            released += pool.ReleaseIdle();
        }

        Interlocked.Add(ref _releasedTotal, released);
        return released;
    }

    private IEnumerable<Measurement<long>> ObserveMemory()
    {
        long rented = 0, idle = 0, released = 0;
        foreach (var pool in Snapshot())
        {
            rented += pool.RentedBytes;
            idle += pool.WarmBytes;
            released += pool.ReleasedBytes;
        }

        return
        [
            new(rented, new KeyValuePair<string, object?>("state", "rented")),
            new(idle, new KeyValuePair<string, object?>("state", "idle")),
            new(released, new KeyValuePair<string, object?>("state", "released")),
        ];
    }

    private ReleasingMemoryPool[] Snapshot()
    {
        lock (_sync)
        {
            return [.. _pools];
        }
    }

    private void Remove(ReleasingMemoryPool pool)
    {
        lock (_sync)
        {
            _pools.Remove(pool);
        }
    }

    public void Dispose() => _timer.Dispose();
}
