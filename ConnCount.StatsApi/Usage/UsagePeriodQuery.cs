using ConnCount.StatsApi.Stats;

namespace ConnCount.StatsApi.Usage;

/// <summary>The query of <c>GET /api/stats/usage/periods</c>: periods starting in [<see cref="From"/>, <see cref="To"/>), optionally one tenant or a topic prefix.</summary>
public sealed record UsagePeriodQuery(DateTimeOffset From, DateTimeOffset To, string? Tenant, string TopicPrefix)
{
    /// <summary>The longest range one request may ask for.</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(366);

    /// <summary>The range asked for when <c>from</c> is not given: the day before <c>to</c>.</summary>
    public static readonly TimeSpan DefaultRange = TimeSpan.FromDays(1);

    /// <summary>Reads the raw query values; <paramref name="errors"/> names each bad parameter.</summary>
    public static bool TryParse(string? from, string? to, string? tenant, string? topicPrefix, DateTimeOffset now, out UsagePeriodQuery query, out Dictionary<string, string[]> errors)
    {
        errors = [];
        var parsedTo = QueryValues.Instant("to", to, errors) ?? now;
        var parsedFrom = QueryValues.Instant("from", from, errors) ?? QueryValues.Before(parsedTo, DefaultRange);
        if (errors.Count == 0 && parsedFrom > parsedTo)
        {
            errors["from"] = ["from is after to: the range is reversed."];
        }
        else if (errors.Count == 0 && parsedTo - parsedFrom > MaxRange)
        {
            errors["to"] = ["A range is at most 366 days long."];
        }

        if (tenant is { Length: 0 or > 256 })
        {
            errors["tenant"] = ["A tenant is 1 to 256 characters long."];
        }

        var prefix = QueryValues.Prefix(topicPrefix, errors, "topic_prefix");
        query = new UsagePeriodQuery(parsedFrom, parsedTo, tenant, prefix);
        return errors.Count == 0;
    }
}
