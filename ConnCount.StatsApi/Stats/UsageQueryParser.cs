using ConnCount.Cluster.Aggregation;

namespace ConnCount.StatsApi.Stats;

/// <summary>Reads the <see cref="UsageQuery"/> of <c>GET /api/stats/usage</c> from its raw query values.</summary>
public static class UsageQueryParser
{
    /// <summary>Parses raw query values; <paramref name="errors"/> names each bad parameter.</summary>
    public static bool TryParse(string? prefix, string? limit, out UsageQuery query, out Dictionary<string, string[]> errors)
    {
        errors = [];
        var parsedPrefix = QueryValues.Prefix(prefix, errors);
        var parsedLimit = QueryValues.Int("limit", limit, 1, UsageQuery.MaxLimit, UsageQuery.DefaultLimit, errors);
        query = errors.Count == 0 ? new UsageQuery(parsedPrefix, parsedLimit) : UsageQuery.Default;
        return errors.Count == 0;
    }
}
