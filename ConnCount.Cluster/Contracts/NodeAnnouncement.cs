namespace ConnCount.Cluster.Contracts;

/// <summary>A node saying it is alive (heartbeat) or leaving (goodbye), with its headline counts.</summary>
public sealed record NodeAnnouncement(
    string Node,
    DateTimeOffset StartedAt,
    long Total,
    long Sockets);
