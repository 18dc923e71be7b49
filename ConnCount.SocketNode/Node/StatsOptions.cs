using System.ComponentModel.DataAnnotations;

namespace ConnCount.SocketNode.Node;

/// <summary>What a node puts in its stats replies. Section <c>ConnCount:Stats</c>.</summary>
public sealed class StatsOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "ConnCount:Stats";

    /// <summary>
    /// A topic with more distinct users than this on a node is sent to gathers as a HyperLogLog sketch (16 KiB) instead
    /// of its user ids, so a reply stays bounded; the cluster's count of that topic's users is then an estimate
    /// (<c>users_estimated</c>, <c>users_error</c>).
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxExactUsersPerTopic { get; set; } = 10_000;
}
