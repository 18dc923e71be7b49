namespace ConnCount.Cluster.Contracts;

/// <summary>Matches topics against configured patterns: an exact name, or a prefix followed by <c>*</c>.</summary>
public static class TopicPattern
{
    public static bool Matches(string pattern, string topic) =>
        pattern.EndsWith('*')
            ? topic.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal)
            : string.Equals(pattern, topic, StringComparison.Ordinal);

    public static bool MatchesAny(IEnumerable<string> patterns, string topic) => patterns.Any(p => Matches(p, topic));
}
