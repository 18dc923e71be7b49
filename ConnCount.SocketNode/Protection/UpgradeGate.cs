using System.Threading.RateLimiting;
using ConnCount.SocketNode.Sockets;
using ConnCount.SocketNode.Node;
using Microsoft.Extensions.Options;

namespace ConnCount.SocketNode.Protection;

/// <summary>
/// Decides, before anything is allocated for a client, whether a WebSocket upgrade may proceed: origin
/// allow-list (403), connection rate per client IP (429), draining (503), node-wide connection rate (429)
/// and the node's socket capacity (503).
/// </summary>
/// <remarks>
/// The per-IP rate is a partitioned token bucket taken here, once, rather than ASP.NET Core's rate-limiting
/// middleware on the endpoint: the middleware awaits the whole request, so for a WebSocket it would hold
/// its state for the socket's lifetime. Idle per-IP buckets are dropped by the partitioned limiter.
/// The client IP is the one <c>UseForwardedHeaders</c> resolved; a request whose address is still a trusted proxy's
/// (the proxy sent no <c>X-Forwarded-For</c>, as Aspire's local proxy does not) carries clients the node cannot tell
/// apart, so it is not limited as one client: the node-wide rate still applies.
/// </remarks>
public sealed class UpgradeGate : IDisposable
{
    private readonly OpenSockets _sockets;
    private readonly NodeState _state;
    private readonly SocketNodeMetrics _metrics;
    private readonly LimitsOptions _limits;
    private readonly AuthOptions _auth;
    private readonly bool _anyOriginByDefault;
    private readonly TokenBucketRateLimiter _perNode;
    private readonly PartitionedRateLimiter<string> _perIp;
    private readonly TrustedProxies _proxies;

    public UpgradeGate(
        OpenSockets sockets,
        NodeState state,
        SocketNodeMetrics metrics,
        IOptions<LimitsOptions> limits,
        IOptions<RateLimitOptions> rates,
        IOptions<AuthOptions> auth,
        TrustedProxies proxies,
        IHostEnvironment environment)
    {
        _proxies = proxies;
        _sockets = sockets;
        _state = state;
        _metrics = metrics;
        _limits = limits.Value;
        _auth = auth.Value;
        _anyOriginByDefault = environment.IsDevelopment();
        _perNode = new TokenBucketRateLimiter(Bucket(rates.Value.ConnectionsPerSecondPerNode));
        var perIp = Bucket(rates.Value.ConnectionsPerSecondPerIp);
        _perIp = PartitionedRateLimiter.Create<string, string>(ip => RateLimitPartition.GetTokenBucketLimiter(ip, _ => perIp));
    }

    /// <summary>A token bucket of <paramref name="perSecond"/> tokens, refilled by that many every second (a burst of one second's worth).</summary>
    public static TokenBucketRateLimiterOptions Bucket(int perSecond) => new()
    {
        TokenLimit = perSecond,
        TokensPerPeriod = perSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    /// <summary>Null when the upgrade may proceed (and a socket slot is then reserved); otherwise the refusal to send.</summary>
    public IResult? TryEnter(HttpContext context)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && !OriginAllowed(origin))
        {
            return Refuse(context, "origin", null, StatusCodes.Status403Forbidden,
                "Origin not allowed", $"Origin '{origin}' is not in ConnCount:Auth:AllowedOrigins.");
        }

        if (ClientAddress(context) is { } client)
        {
            using var ipLease = _perIp.AttemptAcquire(client);
            if (!ipLease.IsAcquired)
            {
                return Refuse(context, "ip_rate", "1", StatusCodes.Status429TooManyRequests,
                    "Too many new connections from this address", "Retry shortly.");
            }
        }

        if (_state.Draining)
        {
            return Refuse(context, "draining", "5", StatusCodes.Status503ServiceUnavailable,
                "Node draining", "This node is draining for maintenance; connect to another node.");
        }

        using var lease = _perNode.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            return Refuse(context, "node_rate", "1", StatusCodes.Status429TooManyRequests,
                "Too many new connections", "This node is accepting new connections more slowly right now; retry shortly.");
        }

        if (!_sockets.TryOpen(_limits.MaxSocketsPerNode))
        {
            return Refuse(context, "capacity", "5", StatusCodes.Status503ServiceUnavailable,
                "Node at capacity", $"This node holds its maximum of {_limits.MaxSocketsPerNode} sockets; retry, or connect to another node.");
        }

        return null;
    }

    /// <summary>The per-IP limiter's key: the resolved client address, or null when it is a trusted proxy's own.</summary>
    private string? ClientAddress(HttpContext context)
    {
        if (context.Connection.RemoteIpAddress is not { } address)
        {
            return "unknown";
        }

        return _proxies.Contains(address) ? null : TrustedProxies.Normalize(address).ToString();
    }

    /// <summary>Counts the refusal under <paramref name="reason"/> and builds its problem response.</summary>
    private IResult Refuse(HttpContext context, string reason, string? retryAfterSeconds, int statusCode, string title, string detail)
    {
        _metrics.Refused(reason);
        if (retryAfterSeconds is not null)
        {
            context.Response.Headers.RetryAfter = retryAfterSeconds;
        }

        return TypedResults.Problem(title: title, detail: detail, statusCode: statusCode);
    }

    private bool OriginAllowed(string origin) =>
        _auth.AllowedOrigins.Count == 0
            ? _anyOriginByDefault
            : _auth.AllowedOrigins.Any(o => o == "*" || string.Equals(o.TrimEnd('/'), origin.TrimEnd('/'), StringComparison.OrdinalIgnoreCase));

    public void Dispose()
    {
        _perNode.Dispose();
        _perIp.Dispose();
    }
}
