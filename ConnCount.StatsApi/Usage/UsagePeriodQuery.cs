using System.Globalization;
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
        var parsedTo = Instant("to", to, errors) ?? now;
        var parsedFrom = Instant("from", from, errors) ?? DefaultFrom(parsedTo);
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

    /// <summary><paramref name="to"/> less <see cref="DefaultRange"/>, or the earliest instant when that is before it.</summary>
    private static DateTimeOffset DefaultFrom(DateTimeOffset to) =>
        to.UtcTicks - DateTimeOffset.MinValue.UtcTicks < DefaultRange.Ticks ? DateTimeOffset.MinValue : to - DefaultRange;

    private static DateTimeOffset? Instant(string name, string? raw, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            return value;
        }

        errors[name] = [$"{name} is an ISO 8601 instant, such as 2026-12-01T00:00:00Z."];
        return null;
    }
}
