using System.ComponentModel.DataAnnotations;

namespace ConnCount.Cluster.Messaging;

/// <summary>
/// Which topics carry application messages, and how. Section <c>ConnCount:Messages</c>; the socket nodes and the
/// StatsApi (which publishes for the server) read the same rules.
/// </summary>
public sealed class MessagingOptions
{
    public const string SectionName = "ConnCount:Messages";

    /// <summary>The first rule whose pattern matches a topic applies to it; a topic no rule matches carries no messages.</summary>
    public List<MessageTopicRule> Topics { get; set; } = [];
}

/// <summary>How the topics matching <see cref="Pattern"/> (exact, or a prefix ending in <c>*</c>) carry messages.</summary>
public sealed class MessageTopicRule
{
    public string Pattern { get; set; } = "";

    /// <summary>Whether members may push messages; when false only the server publishes on these topics.</summary>
    public bool ClientPublish { get; set; } = true;

    /// <summary>Whether the sending socket receives its own message too.</summary>
    public bool EchoToSender { get; set; }

    /// <summary>The largest payload a member may push, in bytes of JSON.</summary>
    [Range(2, 1024 * 1024)]
    public int MaxPayloadBytes { get; set; } = 16 * 1024;

    /// <summary>Messages one socket may push per second on these topics, with a burst of the same size.</summary>
    [Range(1, 100_000)]
    public int MessagesPerSecondPerSocket { get; set; } = 20;

    /// <summary>
    /// Whether these topics track Phoenix Presence: each member's presence, under its user (the join token's <c>sub</c>)
    /// or an anonymous key, in <c>presence_state</c> and <c>presence_diff</c> across the cluster.
    /// </summary>
    public bool Presence { get; set; }
}
