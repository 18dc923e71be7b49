namespace ConnCount.Cluster.Contracts;

/// <summary>
/// One tracked presence: a socket's membership of a presence topic, under its key (the user: the join token's
/// <c>sub</c>, or an anonymous key of its own), with the <c>phx_ref</c> that tells it apart from the same user's other
/// sockets and that its leave carries.
/// </summary>
/// <param name="Key">The key the official client's <c>Presence.list()</c> groups by.</param>
/// <param name="Ref">The meta's <c>phx_ref</c>: unique across the cluster (the tracking node's incarnation and a counter).</param>
/// <param name="OnlineAt">When it was tracked, Unix milliseconds; the meta's <c>online_at</c>.</param>
public sealed record PresenceEntry(string Key, string Ref, long OnlineAt);
