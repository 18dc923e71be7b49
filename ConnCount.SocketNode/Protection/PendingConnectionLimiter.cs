using System.Net;
using System.Threading.RateLimiting;
using ConnCount.SocketNode.Node;
using Microsoft.AspNetCore.Connections;
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

    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        if (connection.RemoteEndPoint is not IPEndPoint { Address: var peer } || _proxies.Contains(peer))
        {
            await next(connection);
            return;
        }

        var address = TrustedProxies.Normalize(peer);
        var lease = _perAddress.AttemptAcquire(address);
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            _metrics.Refused("pending_per_ip");
            _logger.LogDebug("Closed connection {ConnectionId} from {Address}: too many pending connections from it.", connection.ConnectionId, address);
            return;
        }

        var pending = new PendingLease(lease, connection.Features.Get<IDecrementConcurrentConnectionCountFeature>());
        connection.Features.Set<IDecrementConcurrentConnectionCountFeature>(pending);
        try
        {
            await next(connection);
        }
        finally
        {
            pending.ReleaseConnection();
        }
    }

    public void Dispose() => _perAddress.Dispose();

    /// <summary>Releases the address's lease once, then passes the release on to Kestrel's own count.</summary>
    private sealed class PendingLease(RateLimitLease lease, IDecrementConcurrentConnectionCountFeature? inner) : IDecrementConcurrentConnectionCountFeature
    {
        private RateLimitLease? _lease = lease;

        public void ReleaseConnection()
        {
            Interlocked.Exchange(ref _lease, null)?.Dispose();
            inner?.ReleaseConnection();
        }
    }
}
