using System.Net;
using System.Threading.RateLimiting;
using ConnCount.SocketNode.Node;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Options;

namespace ConnCount.SocketNode.Protection;

/// <summary>
/// Kestrel connection middleware that bounds the pending connections (accepted, not upgraded to a WebSocket) of each
/// client address, so one address cannot take the node's pending budget (<see cref="ConnectionLimitOptions.MaxPending"/>)
/// or its file descriptors with connections that never finish a request. A connection over the limit is closed before
/// a byte of it is read.
/// </summary>
/// <remarks>
/// The lease is released when the connection ends or when Kestrel upgrades it: Kestrel stops counting an upgraded
/// connection towards <c>MaxConcurrentConnections</c> through <see cref="IDecrementConcurrentConnectionCountFeature"/>,
/// and this middleware puts itself in that feature's chain, so "pending" means here exactly what it means to Kestrel.
/// A trusted proxy's connections carry many clients and are not limited per address; the address is the TCP peer,
/// as nothing of the request is known yet.
/// </remarks>
public sealed class PendingConnectionLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<IPAddress> _perAddress;
    private readonly TrustedProxies _proxies;
    private readonly SocketNodeMetrics _metrics;
    private readonly ILogger<PendingConnectionLimiter> _logger;

    public PendingConnectionLimiter(IOptions<ConnectionLimitOptions> options, TrustedProxies proxies, SocketNodeMetrics metrics, ILogger<PendingConnectionLimiter> logger)
    {
        _proxies = proxies;
        _metrics = metrics;
        _logger = logger;
        var perAddress = new ConcurrencyLimiterOptions { PermitLimit = options.Value.MaxPendingPerIp, QueueLimit = 0 };
        _perAddress = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address => RateLimitPartition.GetConcurrencyLimiter(address, _ => perAddress));
    }

    /// <remarks>
    /// Not an async method: one awaiting <c>next</c> would keep its state machine alive for the whole life of every
    /// socket. The lease is released by the upgrade, or when Kestrel reports the connection complete.
    /// </remarks>
    public Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        if (connection.RemoteEndPoint is not IPEndPoint { Address: var peer } || _proxies.Contains(peer))
        {
            return next(connection);
        }

        var address = TrustedProxies.Normalize(peer);
        var lease = _perAddress.AttemptAcquire(address);
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            _metrics.Refused("pending_per_ip");
            _logger.LogDebug("Closed connection {ConnectionId} from {Address}: too many pending connections from it.", connection.ConnectionId, address);
            return Task.CompletedTask;
        }

        var pending = new PendingLease(lease, connection.Features.Get<IDecrementConcurrentConnectionCountFeature>());
        connection.Features.Set<IDecrementConcurrentConnectionCountFeature>(pending);
        if (connection.Features.Get<IConnectionCompleteFeature>() is { } complete)
        {
            complete.OnCompleted(static state =>
            {
                ((PendingLease)state).ReleaseLease();
                return Task.CompletedTask;
            }, pending);
            return next(connection);
        }

        return RunThenReleaseAsync(connection, next, pending);
    }

    /// <summary>A transport without <see cref="IConnectionCompleteFeature"/>: release when the connection's pipeline ends.</summary>
    private static async Task RunThenReleaseAsync(ConnectionContext connection, ConnectionDelegate next, PendingLease pending)
    {
        try
        {
            await next(connection);
        }
        finally
        {
            pending.ReleaseLease();
        }
    }

    public void Dispose() => _perAddress.Dispose();

    /// <summary>Releases the address's lease once, then passes the release on to Kestrel's own count.</summary>
    private sealed class PendingLease(RateLimitLease lease, IDecrementConcurrentConnectionCountFeature? inner) : IDecrementConcurrentConnectionCountFeature
    {
        private RateLimitLease? _lease = lease;

        /// <summary>The upgrade: the connection is a socket now, counted by the node's socket cap instead.</summary>
        public void ReleaseConnection()
        {
            ReleaseLease();
            inner?.ReleaseConnection();
        }

        /// <summary>Gives the address's permit back, once, whichever of the upgrade and the connection's end comes first.</summary>
        public void ReleaseLease() => Interlocked.Exchange(ref _lease, null)?.Dispose();
    }
}
