namespace ConnCount.StatsApi.Auth;

/// <summary>Names of the API-key scheme, its policies, scopes and the header it reads.</summary>
public static class ApiKeyDefaults
{
    /// <summary>The authentication scheme.</summary>
    public const string Scheme = "ApiKey";

    /// <summary>The authorization policy the stats endpoints require: the <see cref="ReadScope"/>.</summary>
    public const string ReadStatsPolicy = "read-stats";

    /// <summary>The authorization policy the admin endpoints require: the <see cref="AdminScope"/>.</summary>
    public const string AdminPolicy = "admin";

    /// <summary>The authorization policy server publish requires: the <see cref="PublishScope"/>.</summary>
    public const string PublishPolicy = "publish";

    /// <summary>The claim that carries what a key may do; one claim per scope.</summary>
    public const string ScopeClaim = "scope";

    /// <summary>Read the stats: every read key and every admin key (and anyone, when no read key is configured).</summary>
    public const string ReadScope = "read";

    /// <summary>Drain and resume nodes: admin keys only.</summary>
    public const string AdminScope = "admin";

    /// <summary>Publish messages to topics (<c>POST /api/topics/{topic}/messages</c>): publish keys and admin keys.</summary>
    public const string PublishScope = "publish";

    /// <summary>The header that carries the key; <c>Authorization: Bearer &lt;key&gt;</c> works too.</summary>
    public const string HeaderName = "X-Api-Key";
}
