using ConnCount.SocketNode.Protection;
using ConnCount.SocketNode.Sockets;
using ConnCount.SocketNode.Usage;

namespace ConnCount.SocketNode.Memberships;

/// <summary>One joined channel of a socket: its join ref, what it was admitted for, when, and its place in the count.</summary>
internal readonly record struct Membership(string JoinRef, JoinGrant Grant, long JoinedAtMs, TopicMembership Counted);

/// <summary>
/// The one place where a membership begins and ends on this node. A join that the socket's own checks and its token
/// admitted (<see cref="JoinPolicy"/>) is admitted against the cluster-wide limits, counted in the
/// <see cref="TopicTable"/> and told to every <see cref="IMembershipObserver"/> (connection time, limits, metrics);
/// every path that ends it (leave, close, abort, idle timeout, node stop) comes back here, once.
/// </summary>
/// <remarks>
/// A <c>stats:*</c> topic is watched, not joined: it is counted apart (<see cref="WatcherTable"/>), never in a topic,
/// a total, usage or a limit, and its socket receives the <c>connection_stats</c> pushes (<see cref="StatsWatchHub"/>)
/// from <see cref="Started"/>, after the join's reply.
/// </remarks>
public sealed class MembershipPipeline(
    TopicTable topics,
    WatcherTable watchers,
    ClusterLimitBudget limits,
    StatsWatchHub watchHub,
    Messaging.TopicMessaging messaging,
    Messaging.TopicFanout fanout,
    Presence.PresenceTracker presence,
    UsageLedger clock,
    IEnumerable<IMembershipObserver> observers)
{
    private readonly IMembershipObserver[] _observers = [.. observers];

    /// <summary>Begins a membership; returns the refusal reason (and counts nothing) when the cluster limits refuse it.</summary>
    internal string? TryBegin(string topic, string joinRef, JoinGrant grant, out Membership membership)
    {
        if (StatsWatchHub.IsStatsTopic(topic))
        {
            membership = new Membership(joinRef, grant, 0, watchers.Join(topic));
            return null;
        }

        if (limits.TryAdmit(topic, grant) is { } refusal)
        {
            Refused(refusal);
            membership = default;
            return refusal;
        }

        var counted = topics.Join(topic);
        var joined = new MembershipEvent(counted.Entry!, grant, clock.NowMs());
        foreach (var observer in _observers)
        {
            observer.Began(joined);
        }

        membership = new Membership(joinRef, grant, joined.JoinedAtMs, counted);
        return null;
    }

    /// <summary>
    /// Before a new membership's reply: on a topic that carries messages the socket becomes one of the topic's members
    /// here, once NATS has the topic's subscription, so every message published after the reply reaches it; on a
    /// presence topic the topic's presences are synced here first, so the state the member receives is the cluster's.
    /// </summary>
    internal Task ReadyAsync(string topic, PhoenixConnection connection) =>
        messaging.RuleFor(topic) switch
        {
            null => Task.CompletedTask,
            { Presence: false } => fanout.AddAsync(topic, connection),
            _ => Task.WhenAll(fanout.AddAsync(topic, connection), presence.OpenAsync(topic, connection)),
        };

    /// <summary>
    /// After the join's (or rejoin's) reply went out: a watcher starts receiving pushes under its join ref; a member of a
    /// presence topic is tracked and receives <c>presence_state</c>.
    /// </summary>
    internal void Started(string topic, in Membership membership, PhoenixConnection connection)
    {
        if (StatsWatchHub.IsStatsTopic(topic))
        {
            watchHub.Subscribe(topic, connection, membership.JoinRef);
        }
        else if (messaging.Enabled && presence.Tracks(topic))
        {
            presence.Track(topic, connection, membership.JoinRef, membership.Grant.User);
        }
    }

    /// <summary>A join refused before it reached the pipeline (the socket's checks, its token).</summary>
    public void Refused(string reason)
    {
        foreach (var observer in _observers)
        {
            observer.Refused(reason);
        }
    }

    /// <summary>Ends a membership that <see cref="TryBegin"/> began; call exactly once per membership.</summary>
    internal void End(string topic, in Membership membership, PhoenixConnection connection)
    {
        if (StatsWatchHub.IsStatsTopic(topic))
        {
            watchHub.Unsubscribe(topic, connection);
            watchers.Leave(membership.Counted);
            return;
        }

        if (messaging.Enabled)
        {
            fanout.Remove(topic, connection);
            presence.Untrack(topic, connection);
        }

        // Observers first, the count last: while a membership is counted its entry stays, so every slot an observer
        // writes is still the topic's (see TopicTable's remarks on removing entries).
        var ended = new MembershipEvent(membership.Counted.Entry!, membership.Grant, membership.JoinedAtMs);
        var now = clock.NowMs();
        foreach (var observer in _observers)
        {
            observer.Ended(ended, now);
        }

        topics.Leave(membership.Counted);
    }
}
