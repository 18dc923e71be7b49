using ConnCount.SocketNode.Protection;

namespace ConnCount.SocketNode.Memberships;

/// <summary>One membership of an application topic, as its observers hear of it.</summary>
/// <param name="Entry">The topic's entry: the observer's per-topic state lives in its slots.</param>
/// <param name="Grant">What the join was admitted for (tenant, plan).</param>
/// <param name="JoinedAtMs">When it began, in Unix milliseconds of <see cref="Usage.UsageLedger.NowMs"/>.</param>
public readonly record struct MembershipEvent(TopicEntry Entry, JoinGrant Grant, long JoinedAtMs)
{
    public string Topic => Entry.Topic;
}

/// <summary>
/// Hears of every membership of an application topic that begins or ends on this node, from the one place that
/// begins and ends them (<see cref="MembershipPipeline"/>). A feature that needs to know adds an observer.
/// </summary>
/// <remarks>
/// Called on the socket's own thread, inline: an observer does a few arithmetic operations and returns; it never
/// blocks or does I/O. Every begun membership is ended exactly once, whatever ends it (leave, close, abort, idle
/// timeout, node stop); <see cref="Ended"/> is called while the membership is still counted.
/// </remarks>
public interface IMembershipObserver
{
    /// <summary>A membership began (it is counted already).</summary>
    void Began(in MembershipEvent membership);

    /// <summary>A membership that <see cref="Began"/> ended at <paramref name="endedAtMs"/>.</summary>
    void Ended(in MembershipEvent membership, long endedAtMs);

    /// <summary>A join was refused for <paramref name="reason"/> (a <see cref="Protocol.ReplyReasons"/> value).</summary>
    void Refused(string reason)
    {
    }
}
