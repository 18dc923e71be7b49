namespace ConnCount.StatsApi.Auth;

/// <summary>Names of the API-key scheme, its policy and the header it reads.</summary>
public static class ApiKeyDefaults
{
    /// <summary>The authentication scheme.</summary>
    public const string Scheme = "ApiKey";

    /// <summary>The authorization policy the stats endpoints require.</summary>
    public const string ReadStatsPolicy = "read-stats";

    /// <summary>The header that carries the key; <c>Authorization: Bearer &lt;key&gt;</c> works too.</summary>
    public const string HeaderName = "X-Api-Key";
}
