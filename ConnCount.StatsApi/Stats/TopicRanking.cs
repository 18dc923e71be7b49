using ConnCount.Cluster.Contracts;

namespace ConnCount.StatsApi.Stats;

/// <summary>Filters, orders and pages the topics of a gather. Pure: no I/O, unit-testable.</summary>
public static class TopicRanking
{
    /// <summary>The page of topics that <paramref name="query"/> asks for.</summary>
    public static TopicListView List(ClusterStats stats, TopicListQuery query)
    {
        var matched = stats.Topics
            .Where(t => t.Key.StartsWith(query.Prefix, StringComparison.Ordinal))
            .ToList();
        var kept = Order(matched, query.Sort).Take(query.Top ?? int.MaxValue).ToList();
        var page = kept.Skip(query.Offset).Take(query.Limit)
            .Select(t => new TopicListItem(t.Key, t.Value.Total))
            .ToList();

        var end = query.Offset + page.Count;
        return new TopicListView(
            TotalTopics: matched.Count,
            TotalConnections: matched.Sum(t => t.Value.Total),
            Offset: query.Offset,
            Limit: query.Limit,
            NextOffset: end < kept.Count ? end : null,
            Topics: page,
            Partial: stats.Partial,
            MissingNodes: stats.MissingNodes,
            GatheredAt: stats.GatheredAt);
    }

    /// <summary>The <paramref name="top"/> topics with the most connections, in that order (ties by name).</summary>
    public static IReadOnlyDictionary<string, TopicStats> Top(IReadOnlyDictionary<string, TopicStats> topics, int top) =>
        Order(topics, TopicSort.Count).Take(top).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);

    private static IEnumerable<KeyValuePair<string, TopicStats>> Order(IEnumerable<KeyValuePair<string, TopicStats>> topics, TopicSort sort) =>
        sort == TopicSort.Name
            ? topics.OrderBy(t => t.Key, StringComparer.Ordinal)
            : topics.OrderByDescending(t => t.Value.Total).ThenBy(t => t.Key, StringComparer.Ordinal);
}
