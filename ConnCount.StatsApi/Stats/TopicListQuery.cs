namespace ConnCount.StatsApi.Stats;

/// <summary>How to order a topic listing.</summary>
public enum TopicSort
{
    /// <summary>Most connections first; ties by name.</summary>
    Count,

    /// <summary>By name, ordinal.</summary>
    Name,
}

/// <summary>
/// A validated topic query: <c>prefix</c> filters, <c>sort</c> orders, <c>top</c> keeps the first N of that
/// order, and <c>offset</c>/<c>limit</c> page through what is kept.
/// </summary>
public sealed record TopicListQuery(string Prefix, TopicSort Sort, int? Top, int Offset, int Limit)
{
    /// <summary>The most topics one answer may hold, and the largest <c>top</c>.</summary>
    public const int MaxPageSize = 10_000;

    /// <summary>The page size when <c>limit</c> is not given.</summary>
    public const int DefaultLimit = 100;

    /// <summary>Parses the raw query values; <paramref name="errors"/> names each bad parameter.</summary>
    public static bool TryParse(
        string? prefix, string? sort, string? top, string? offset, string? limit,
        out TopicListQuery query, out Dictionary<string, string[]> errors)
    {
        errors = [];
        query = new TopicListQuery("", TopicSort.Count, null, 0, DefaultLimit);

        var parsedPrefix = QueryValues.Prefix(prefix, errors);
        var parsedSort = sort switch
        {
            null or "" or "count" => TopicSort.Count,
            "name" => TopicSort.Name,
            _ => (TopicSort?)null,
        };
        if (parsedSort is null)
        {
            errors["sort"] = ["sort is 'count' (most connections first) or 'name'."];
        }

        var parsedTop = ParseTop(top, errors);
        var parsedOffset = QueryValues.Int("offset", offset, 0, int.MaxValue, 0, errors);
        var parsedLimit = QueryValues.Int("limit", limit, 1, MaxPageSize, DefaultLimit, errors);
        if (errors.Count > 0)
        {
            return false;
        }

        query = new TopicListQuery(parsedPrefix, parsedSort!.Value, parsedTop, parsedOffset, parsedLimit);
        return true;
    }

    /// <summary>Parses <c>top</c> alone, as <c>GET /api/stats?top=N</c> takes it.</summary>
    public static int? ParseTop(string? top, Dictionary<string, string[]> errors) =>
        string.IsNullOrEmpty(top) ? null : QueryValues.Int("top", top, 1, MaxPageSize, 0, errors);
}
