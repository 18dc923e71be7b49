using ConnCount.Cluster.Contracts;
using Microsoft.Extensions.Options;

namespace ConnCount.Cluster.Messaging;

/// <summary>The rule that applies to a topic (<see cref="MessagingOptions"/>), and the event names no message may have.</summary>
public sealed class TopicMessageRules(IOptions<MessagingOptions> options)
{
    /// <summary>Topics under this prefix are the stats watchers' and carry no messages.</summary>
    public const string StatsTopicPrefix = "stats:";

    private readonly MessageTopicRule[] _rules = [.. options.Value.Topics];

    /// <summary>Whether any topic carries messages.</summary>
    public bool Enabled => _rules.Length > 0;

    /// <summary>The first rule whose pattern matches <paramref name="topic"/>, or null when it carries no messages (never a <c>stats:*</c> topic).</summary>
    public MessageTopicRule? RuleFor(string topic)
    {
        if (_rules.Length == 0 || topic.StartsWith(StatsTopicPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        foreach (var rule in _rules)
        {
            if (TopicPattern.Matches(rule.Pattern, topic))
            {
                return rule;
            }
        }

        return null;
    }

    /// <summary>
    /// Event names no message may have: the protocol's (<c>phx_*</c>), the stats events and pushes (<c>get_*</c>,
    /// <c>connection_stats</c>), Presence's (<c>presence_*</c>) and the heartbeat.
    /// </summary>
    public static bool IsReserved(string evt) =>
        evt.StartsWith("phx_", StringComparison.Ordinal)
        || evt.StartsWith("get_", StringComparison.Ordinal)
        || evt.StartsWith("presence_", StringComparison.Ordinal)
        || evt is "connection_stats" or "heartbeat";
}
