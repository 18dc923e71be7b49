using ConnCount.Cluster.Contracts;
using Microsoft.Extensions.Options;

namespace ConnCount.SocketNode.Protection;

/// <summary>
/// The name a topic goes by in metric tags and logs. <c>/metrics</c> is open and logs travel far, so a protected
/// topic (one matching <c>ConnCount:Auth:ProtectedTopics</c>) is folded into the one value <see cref="Protected"/>,
/// unless <c>ConnCount:Auth:ProtectedTopicsInTelemetry</c> is <c>true</c>. A stats topic watching a protected
/// topic (<c>stats:private:x</c>) is folded too. The stats API (behind its key) shows every name; the channel events
/// show what the asking socket may see (<see cref="StatsVisibility"/>).
/// </summary>
public sealed class TelemetryTopicNames(IOptions<AuthOptions> options)
{
    /// <summary>The tag and log value that stands for every protected topic.</summary>
    public const string Protected = "protected";

    private readonly IReadOnlyList<string> _hidden = options.Value.ProtectedTopicsInTelemetry ? [] : [.. options.Value.ProtectedTopics];

    /// <summary>Whether <paramref name="topic"/> must not appear under its own name.</summary>
    public bool IsHidden(string topic) => _hidden.Count > 0 && Sockets.StatsWatchHub.Levels(topic).Any(level => TopicPattern.MatchesAny(_hidden, level));

    /// <summary><paramref name="topic"/>, or <see cref="Protected"/> when it is hidden.</summary>
    public string For(string topic) => IsHidden(topic) ? Protected : topic;
}
