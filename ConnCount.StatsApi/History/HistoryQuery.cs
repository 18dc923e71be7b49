using ConnCount.StatsApi.Stats;

namespace ConnCount.StatsApi.History;

/// <summary>The query of <c>GET /api/stats/history</c>: samples in [<see cref="From"/>, <see cref="To"/>), one point per <see cref="Step"/>.</summary>
public sealed record HistoryQuery(DateTimeOffset From, DateTimeOffset To, TimeSpan Step)
{
    /// <summary>The steps a series may have, by their names in the query.</summary>
    public static readonly IReadOnlyDictionary<string, TimeSpan> Steps = new Dictionary<string, TimeSpan>(StringComparer.Ordinal)
    {
        ["1m"] = TimeSpan.FromMinutes(1),
        ["5m"] = TimeSpan.FromMinutes(5),
        ["1h"] = TimeSpan.FromHours(1),
    };

    /// <summary>The range asked for when <c>from</c> is not given: the hour before <c>to</c>.</summary>
    public static readonly TimeSpan DefaultRange = TimeSpan.FromHours(1);

    /// <summary>The most points one answer holds: seven days of minutes.</summary>
    public const int MaxPoints = 7 * 24 * 60;

    /// <summary>Reads the raw query values; <paramref name="errors"/> names each bad parameter.</summary>
    public static bool TryParse(string? from, string? to, string? step, DateTimeOffset now, out HistoryQuery query, out Dictionary<string, string[]> errors)
    {
        errors = [];
        var parsedTo = QueryValues.Instant("to", to, errors) ?? now;
        var parsedFrom = QueryValues.Instant("from", from, errors) ?? QueryValues.Before(parsedTo, DefaultRange);
        var parsedStep = TimeSpan.FromMinutes(1);
        if (!string.IsNullOrEmpty(step) && !Steps.TryGetValue(step, out parsedStep))
        {
            errors["step"] = ["step is 1m, 5m or 1h."];
        }

        if (errors.Count == 0 && parsedFrom >= parsedTo)
        {
            errors["from"] = ["from is not before to: the range is empty or reversed."];
        }
        else if (errors.Count == 0 && (parsedTo - parsedFrom) / parsedStep > MaxPoints)
        {
            errors["step"] = [$"A range holds at most {MaxPoints:N0} steps; ask for a larger step or a shorter range."];
        }

        query = new HistoryQuery(parsedFrom, parsedTo, parsedStep);
        return errors.Count == 0;
    }
}
