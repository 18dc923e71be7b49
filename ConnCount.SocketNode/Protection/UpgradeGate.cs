using System.Threading.RateLimiting;
using ConnCount.SocketNode.Counting;
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
/// </remarks>
public sealed class UpgradeGate : IDisposable
{
    private readonly ConnectionRegistry _registry;
    private readonly NodeState _state;
    private readonly SocketNodeMetrics _metrics;
    private readonly LimitsOptions _limits;
    private readonly AuthOptions _auth;
    private readonly bool _anyOriginByDefault;
    private readonly TokenBucketRateLimiter _perNode;
    private readonly PartitionedRateLimiter<string> _perIp;

    public UpgradeGate(
        ConnectionRegistry registry,
        NodeState state,
        SocketNodeMetrics metrics,
        IOptions<LimitsOptions> limits,
        IOptions<RateLimitOptions> rates,
        IOptions<AuthOptions> auth,
        IHostEnvironment environment)
    {
        _registry = registry;
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
            _metrics.Refused("origin");
            return TypedResults.Problem(
                title: "Origin not allowed",
                detail: $"Origin '{origin}' is not in ConnCount:Auth:AllowedOrigins.",
                statusCode: StatusCodes.Status403Forbidden);
        }

        using (var ipLease = _perIp.AttemptAcquire(context.Connection.RemoteIpAddress?.ToString() ?? "unknown"))
        {
            if (!ipLease.IsAcquired)
            {
                _metrics.Refused("ip_rate");
                context.Response.Headers.RetryAfter = "1";
                return TypedResults.Problem(
                    title: "Too many new connections from this address",
                    detail: "Retry shortly.",
                    statusCode: StatusCodes.Status429TooManyRequests);
            }
        }

        if (_state.Draining)
        {
            _metrics.Refused("draining");
            context.Response.Headers.RetryAfter = "5";
            return TypedResults.Problem(
                title: "Node draining",
                detail: "This node is draining for maintenance; connect to another node.",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        using var lease = _perNode.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            _metrics.Refused("node_rate");
            context.Response.Headers.RetryAfter = "1";
            return TypedResults.Problem(
                title: "Too many new connections",
                detail: "This node is accepting new connections more slowly right now; retry shortly.",
                statusCode: StatusCodes.Status429TooManyRequests);
        }

        if (!_registry.TryOpenSocket(_limits.MaxSocketsPerNode))
        {
            _metrics.Refused("capacity");
            context.Response.Headers.RetryAfter = "5";
            return TypedResults.Problem(
                title: "Node at capacity",
                detail: $"This node holds its maximum of {_limits.MaxSocketsPerNode} sockets; retry, or connect to another node.",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        return null;
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
