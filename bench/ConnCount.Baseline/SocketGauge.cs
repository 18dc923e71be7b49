namespace ConnCount.Baseline;

/// <summary>Open and total accepted sockets: the only bookkeeping the baseline does, needed to state memory per socket.</summary>
internal sealed class SocketGauge
{
    private long _open;
    private long _accepted;

    public long Open => Volatile.Read(ref _open);

    public long Accepted => Volatile.Read(ref _accepted);

    public void Opened()
    {
        Interlocked.Increment(ref _open);
        Interlocked.Increment(ref _accepted);
    }

    public void Closed() => Interlocked.Decrement(ref _open);
}
