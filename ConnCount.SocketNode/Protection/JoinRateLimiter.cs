using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace ConnCount.SocketNode.Protection;

/// <summary>
/// Joins per second per socket: one token bucket per socket in a partitioned limiter, so a socket that
/// floods joins is refused while others are unaffected, and idle sockets hold no limiter.
/// </summary>
public sealed class JoinRateLimiter(IOptions<RateLimitOptions> options) : IDisposable
{
    /// <summary>Join refused: this socket joins faster than allowed.</summary>
    public const string TooManyJoins = "too many joins, slow down";

    private readonly PartitionedRateLimiter<long> _limiter = PartitionedRateLimiter.Create<long, long>(
        socketId => RateLimitPartition.GetTokenBucketLimiter(socketId, _ => UpgradeGate.Bucket(options.Value.JoinsPerSecondPerSocket)));

    public bool TryJoin(long socketId)
    {
        using var lease = _limiter.AttemptAcquire(socketId);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
