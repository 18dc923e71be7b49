namespace ConnCount.SocketNode.Memberships;

/// <summary>
/// The <c>stats:*</c> memberships on this node, counted apart from the application's topics: watching the counts
/// must not change them. Reported as <c>watchers</c>; never in a topic, a total, usage or a limit.
/// </summary>
public sealed class WatcherTable
{
    private readonly TopicTable _memberships = new();

    /// <summary>Watchers on this node (one per socket and stats topic).</summary>
    public long Count => _memberships.TotalMemberships;

    public TopicMembership Join(string statsTopic) => _memberships.Join(statsTopic);

    public void Leave(TopicMembership membership) => _memberships.Leave(membership);
}
