using System.Net;
using System.Threading.RateLimiting;
using ConnCount.SocketNode.Node;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Options;

namespace ConnCount.SocketNode.Protection;

/// <summary>
/// Kestrel connection middleware that bounds the pending connections (accepted, not upgraded to a WebSocket) of the
/// node (<see cref="ConnectionLimitOptions.MaxPending"/>) and of each client address, so one address cannot take the
/// node's pending budget or its file descriptors with connections that never finish a request. A connection over the limit is closed before
/// a byte of it is read.
/// </summary>
/// <remarks>
/// The permits are given back when the connection ends or when Kestrel upgrades it: Kestrel reports an upgrade through
/// <see cref="IDecrementConcurrentConnectionCountFeature"/> (what its own <c>MaxConcurrentConnections</c> uses), which
/// this middleware provides.
/// A trusted proxy's connections carry many clients and are not limited per address; the address is the TCP peer,
/// as nothing of the request is known yet.
/// </remarks>
public sealed class PendingConnectionLimiter : IDisposable
{
    private readonly int _maxPending;
    private readonly PartitionedRateLimiter<IPAddress> _perAddress;
    private readonly TrustedProxies _proxies;
    private readonly SocketNodeMetrics _metrics;
    private readonly ILogger<PendingConnectionLimiter> _logger;
    private int _pending;

    public PendingConnectionLimiter(IOptions<ConnectionLimitOptions> options, TrustedProxies proxies, SocketNodeMetrics metrics, ILogger<PendingConnectionLimiter> logger)
    {
        _maxPending = options.Value.MaxPending;
        _proxies = proxies;
        _metrics = metrics;
        _logger = logger;
        var perAddress = new ConcurrencyLimiterOptions { PermitLimit = options.Value.MaxPendingPerIp, QueueLimit = 0 };
        _perAddress = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address => RateLimitPartition.GetConcurrencyLimiter(address, _ => perAddress));
    }

    /// <summary>Connections accepted and not upgraded, now.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <remarks>
    /// Not an async method: one awaiting <c>next</c> would keep its state machine alive for the whole life of every
    /// socket, and so does Kestrel's own <c>MaxConcurrentConnections</c> middleware (the two together measured about
    /// 850 bytes per idle socket), which is why the node-wide count is kept here too. The permits go back at the upgrade,
    /// or when Kestrel reports the connection complete.
    /// </remarks>
    public Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        if (Interlocked.Increment(ref _pending) > _maxPending)
        {
            Interlocked.Decrement(ref _pending);
            _metrics.Refused("pending");
            _logger.LogDebug("Closed connection {ConnectionId}: the node holds its maximum of pending connections.", connection.ConnectionId);
            return Task.CompletedTask;
        }

        RateLimitLease? addressLease = null;
        if (connection.RemoteEndPoint is IPEndPoint { Address: var peer } && !_proxies.Contains(peer))
        {
            var address = TrustedProxies.Normalize(peer);
            addressLease = _perAddress.AttemptAcquire(address);
            if (!addressLease.IsAcquired)
            {
                addressLease.Dispose();
                Interlocked.Decrement(ref _pending);
                _metrics.Refused("pending_per_ip");
                _logger.LogDebug("Closed connection {ConnectionId} from {Address}: too many pending connections from it.", connection.ConnectionId, address);
                return Task.CompletedTask;
            }
        }

        var pending = new PendingLease(this, addressLease, connection.Features.Get<IDecrementConcurrentConnectionCountFeature>());
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

    /// <summary>
    /// One pending connection's permits (the node's and its address's), given back once, whichever of the upgrade and
    /// the connection's end comes first; the upgrade is passed on to Kestrel.
    /// </summary>
    private sealed class PendingLease(PendingConnectionLimiter limiter, RateLimitLease? addressLease, IDecrementConcurrentConnectionCountFeature? inner) : IDecrementConcurrentConnectionCountFeature
    {
        // Dropped once given back: the connection's features keep this object for the socket's whole life.
        private RateLimitLease? _addressLease = addressLease;
        private int _released;

        /// <summary>The upgrade: the connection is a socket now, counted by the node's socket cap instead.</summary>
        public void ReleaseConnection()
        {
            ReleaseLease();
            inner?.ReleaseConnection();
        }

        public void ReleaseLease()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                _addressLease?.Dispose();
                _addressLease = null;
                Interlocked.Decrement(ref limiter._pending);
            }
        }
    }
}
