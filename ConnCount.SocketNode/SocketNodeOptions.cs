using System.ComponentModel.DataAnnotations;
using ConnCount.Cluster.Contracts;

namespace ConnCount.SocketNode;

/// <summary>Limits and timeouts of a socket node. Section <c>ConnCount:Node</c>.</summary>
public sealed class SocketNodeOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "ConnCount:Node";

    /// <summary>Overrides the node's identity; by default the replica's <c>service.instance.id</c>.</summary>
    public string? Id { get; set; }

    /// <summary>Admin calls (drain) need this in <c>X-Admin-Key</c>; when it is not set they are disabled (403).</summary>
    public string? AdminKey { get; set; }

    /// <summary>How many of the node's biggest topics keep their own <c>topic</c> tag on metrics; the rest are <c>other</c>.</summary>
    [Range(0, 1000)]
    public int MetricsTopTopics { get; set; } = 20;

    /// <summary>Shortest time between two <c>connection_stats</c> pushes on a stats topic.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PresenceInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A socket that sends nothing for this long is closed and its memberships end (Phoenix closes at 60 s).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Largest text message accepted; a bigger one closes the socket with 1009.</summary>
    [Range(256, 16 * 1024 * 1024)]
    public int MaxFrameBytes { get; set; } = 64 * 1024;

    /// <summary>Longest topic name accepted on join, in UTF-16 code units.</summary>
    [Range(1, 4096)]
    public int MaxTopicLength { get; set; } = TopicNames.MaxLength;

    /// <summary>Most topics one socket may join at once (Phoenix's default is 100).</summary>
    [Range(1, 100_000)]
    public int MaxChannelsPerSocket { get; set; } = 100;
}
