using System.Collections.Concurrent;

namespace ConnCount.SocketNode.Sockets;

/// <summary>
/// The sockets on this node that joined a stats topic (<c>stats:cluster</c> or <c>stats:&lt;topic&gt;</c>),
/// with the join ref each must see on pushes and whether it has had its first push yet.
/// </summary>
public sealed class StatsWatchHub
{
    /// <summary>Prefix of stats topics.</summary>
    public const string Prefix = "stats:";

    /// <summary>The stats topic for the whole cluster.</summary>
    public const string ClusterTopic = "stats:cluster";

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<PhoenixConnection, Subscriber>> _topics = new(StringComparer.Ordinal);

    public static bool IsStatsTopic(string topic) => topic.StartsWith(Prefix, StringComparison.Ordinal) && topic.Length > Prefix.Length;

    /// <summary>
    /// The names a topic's visibility depends on: itself and, for <c>stats:&lt;topic&gt;</c>, the watched topic, down
    /// to a topic that is not a stats topic (<c>stats:stats:a</c> gives itself, <c>stats:a</c> and <c>a</c>).
    /// <c>stats:cluster</c> watches no topic.
    /// </summary>
    public static IEnumerable<string> Levels(string topic)
    {
        yield return topic;
        while (IsStatsTopic(topic) && topic != ClusterTopic)
        {
            topic = topic[Prefix.Length..];
            yield return topic;
        }
    }

    public bool IsEmpty => _topics.IsEmpty;

    public void Subscribe(string topic, PhoenixConnection session, string joinRef) =>
        _topics.GetOrAdd(topic, _ => new(ReferenceEqualityComparer.Instance))[session] = new Subscriber(joinRef, Initialised: false);

    public void Unsubscribe(string topic, PhoenixConnection session)
    {
        if (_topics.TryGetValue(topic, out var subscribers) && subscribers.TryRemove(session, out _) && subscribers.IsEmpty)
        {
            _topics.TryRemove(KeyValuePair.Create(topic, subscribers));
        }
    }

    /// <summary>A snapshot of the subscribed topics and their subscribers.</summary>
    public IEnumerable<(string Topic, IReadOnlyList<(PhoenixConnection Session, Subscriber Subscriber)> Subscribers)> Snapshot() =>
        _topics.Select(t => (t.Key, (IReadOnlyList<(PhoenixConnection, Subscriber)>)t.Value.Select(s => (s.Key, s.Value)).ToList()));

    /// <summary>Records that a subscriber has received its first push.</summary>
    public void MarkInitialised(string topic, PhoenixConnection session)
    {
        if (_topics.TryGetValue(topic, out var subscribers) && subscribers.TryGetValue(session, out var current))
        {
            subscribers.TryUpdate(session, current with { Initialised = true }, current);
        }
    }

    /// <summary>A subscription: the join ref to push with, and whether the first push was sent.</summary>
    public readonly record struct Subscriber(string JoinRef, bool Initialised);
}
