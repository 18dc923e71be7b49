using ConnCount.Cluster.Contracts;

namespace ConnCount.Cluster.Aggregation;

/// <summary>
/// A validated usage query: <c>prefix</c> filters topics, <c>limit</c> keeps the first N topics (and
/// tenants) of the usage order: most connection-milliseconds in the current period first, then most since
/// the node started, then by name.
/// </summary>
public sealed record UsageQuery(string Prefix, int Limit)
{
    /// <summary>Topics per reply when no limit is given: the largest, so a reply stays well under NATS's 1 MB.</summary>
    public const int DefaultLimit = 1000;

    /// <summary>The most topics (and tenants) a query may ask for.</summary>
    public const int MaxLimit = 1000;

    /// <summary>No filter, the default limit.</summary>
    public static UsageQuery Default { get; } = new("", DefaultLimit);

    /// <summary>What a node makes of a request: missing or out-of-range values become the defaults or the bounds.</summary>
    public static UsageQuery From(UsageReportRequest? request) => new(
        request?.Prefix ?? "",
        Math.Clamp(request?.Limit ?? DefaultLimit, 1, MaxLimit));

    /// <summary>The wire form of this query.</summary>
    public UsageReportRequest ToRequest() => new(Prefix.Length == 0 ? null : Prefix, Limit);

    /// <summary>Whether <paramref name="topic"/> passes the prefix filter.</summary>
    public bool Matches(string topic) => topic.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The first <see cref="Limit"/> of <paramref name="items"/> in the usage order.</summary>
    public List<KeyValuePair<string, T>> Top<T>(IEnumerable<KeyValuePair<string, T>> items, Func<T, long> periodMs, Func<T, long> totalMs) =>
        items.OrderByDescending(i => periodMs(i.Value))
            .ThenByDescending(i => totalMs(i.Value))
            .ThenBy(i => i.Key, StringComparer.Ordinal)
            .Take(Limit)
            .ToList();
}
