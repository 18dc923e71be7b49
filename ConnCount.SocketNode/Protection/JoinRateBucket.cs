namespace ConnCount.SocketNode.Protection;

/// <summary>
/// Joins per second for one socket: a token bucket that holds one second's worth of joins and refills
/// continuously at that rate. It lives inside the socket's session and only the session's receive loop
/// touches it, so it needs no lock, no timer and no shared table.
/// </summary>
/// <remarks>
/// A limiter from <c>System.Threading.RateLimiting</c> per socket was measured first: as a partitioned limiter
/// keyed by socket, every join took the partition table's lock, and its replenishment pass walked every
/// socket's bucket ten times a second while holding that lock, which at a few thousand new sockets per second
/// cost more than the joins themselves (bench/results/history.md). Two fields per socket do the same job.
/// </remarks>
public struct JoinRateBucket
{
    private double _tokens;
    private long _lastMs;

    /// <summary>Takes a token for one join at <paramref name="nowMs"/> (<see cref="Environment.TickCount64"/>); false means refuse the join.</summary>
    public bool TryTake(int perSecond, long nowMs)
    {
        _tokens = _lastMs == 0
            ? perSecond
            : Math.Min(perSecond, _tokens + ((nowMs - _lastMs) * (double)perSecond / 1000));
        _lastMs = nowMs;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens -= 1;
        return true;
    }
}
