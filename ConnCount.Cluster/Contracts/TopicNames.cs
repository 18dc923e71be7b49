namespace ConnCount.Cluster.Contracts;

/// <summary>What every part of ConnCount agrees a topic name is.</summary>
public static class TopicNames
{
    /// <summary>
    /// The longest topic, in UTF-16 code units: what a node accepts by default (<c>ConnCount:Node:MaxTopicLength</c>)
    /// and the longest topic or prefix the StatsApi asks for.
    /// </summary>
    public const int MaxLength = 256;
}
