using System.ComponentModel.DataAnnotations;

namespace ConnCount.SocketNode.Protection;

/// <summary>Capacity limits. Section <c>ConnCount:Limits</c>.</summary>
public sealed class LimitsOptions
{
    public const string SectionName = "ConnCount:Limits";

    /// <summary>Open sockets one node accepts; over it the upgrade gets 503 with <c>Retry-After</c>.</summary>
    [Range(1, 10_000_000)]
    public int MaxSocketsPerNode { get; set; } = 19_000;

    /// <summary>Cluster-wide limits on concurrent joins of each topic matching a pattern.</summary>
    public List<TopicLimit> Topics { get; set; } = [];

    /// <summary>Cluster-wide limits on concurrent joins per tenant, by the plan named in the tenant's join token.</summary>
    public Dictionary<string, long> Plans { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Cluster-wide limit on concurrent joins per user (the join token's <c>sub</c> claim); null: no limit. Joins without a token's user are not limited.</summary>
    [Range(1, long.MaxValue)]
    public long? MaxJoinsPerUser { get; set; }

    /// <summary>How often nodes exchange the usage of limited topics and tenants over NATS.</summary>
    public TimeSpan UsageSyncInterval { get; set; } = TimeSpan.FromMilliseconds(250);
}

/// <summary>Each topic matching <see cref="Pattern"/> (exact, or a prefix ending in <c>*</c>) may have at most <see cref="MaxJoins"/> members cluster-wide.</summary>
public sealed class TopicLimit
{
    public string Pattern { get; set; } = "";

    public long MaxJoins { get; set; }
}

/// <summary>Flood protection. Section <c>ConnCount:RateLimits</c>. Token buckets: the rate per second, with a burst of the same size.</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "ConnCount:RateLimits";

    [Range(1, 1_000_000)]
    public int ConnectionsPerSecondPerIp { get; set; } = 200;

    [Range(1, 1_000_000)]
    public int ConnectionsPerSecondPerNode { get; set; } = 5_000;

    [Range(1, 1_000_000)]
    public int JoinsPerSecondPerSocket { get; set; } = 50;
}

/// <summary>Join tokens and origins. Section <c>ConnCount:Auth</c>.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "ConnCount:Auth";

    /// <summary>Topic patterns (exact, or prefix ending in <c>*</c>) whose joins need a signed token.</summary>
    public List<string> ProtectedTopics { get; set; } = [];

    /// <summary>When true, protected topics keep their names in metric tags and logs; by default they all read <c>protected</c>.</summary>
    public bool ProtectedTopicsInTelemetry { get; set; }

    /// <summary>HMAC-SHA256 key for join tokens (at least 32 bytes of UTF-8). Required when any topic is protected.</summary>
    public string? SigningKey { get; set; }

    /// <summary>Expected <c>iss</c> claim, if set.</summary>
    public string? Issuer { get; set; }

    /// <summary>Expected <c>aud</c> claim, if set.</summary>
    public string? Audience { get; set; }

    /// <summary>How long past its <c>exp</c> (and before its <c>nbf</c>) a token is still taken, for clocks that disagree.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Who may read the cross-topic stats views from a socket (<see cref="SocketStatsAccess"/>).</summary>
    public SocketStatsAccess SocketStats { get; set; } = SocketStatsAccess.Open;

    /// <summary>Origins allowed to open sockets from a browser; <c>*</c> allows any. Empty: any in Development, none elsewhere (non-browser clients send no Origin and are unaffected).</summary>
    public List<string> AllowedOrigins { get; set; } = [];
}
