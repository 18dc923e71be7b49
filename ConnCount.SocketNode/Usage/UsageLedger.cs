namespace ConnCount.SocketNode.Usage;

/// <summary>
/// Connection-seconds, churn and session lengths per topic, per tenant and for the node. Fed by every
/// membership start and end (the same places the counts change); read by the usage report.
/// </summary>
public sealed class UsageLedger(TimeProvider time)
{
    /// <summary>Now, in Unix milliseconds: the clock memberships are stamped with.</summary>
    public long NowMs() => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>A membership of <paramref name="topic"/> began at <paramref name="atMs"/> (for <paramref name="tenant"/>, if any).</summary>
    public void Joined(string topic, string? tenant, long atMs)
    {
    }

    /// <summary>A membership that began at <paramref name="joinedAtMs"/> ended at <paramref name="atMs"/>.</summary>
    public void Left(string topic, string? tenant, long joinedAtMs, long atMs)
    {
    }
}
