namespace ConnCount.Cluster.Contracts;

/// <summary>A node saying it is alive (heartbeat) or leaving (goodbye), with its headline counts.</summary>
/// <param name="Node">The node's id.</param>
/// <param name="StartedAt">When the node's process started: its epoch. With <paramref name="Node"/> it names one incarnation, so a goodbye removes only the process that sent it.</param>
/// <param name="LingerSeconds">
/// How long after this announcement the node's sockets can still be open should it fall silent (paused, cut off):
/// its idle timeout and sweep, plus one heartbeat interval. A directory keeps a silent node missing, not gone, that long.
/// Absent from older nodes; the directory then uses <c>ConnCount:Cluster:DefaultLinger</c>.
/// </param>
public sealed record NodeAnnouncement(
    string Node,
    DateTimeOffset StartedAt,
    long Total,
    long Sockets,
    double? LingerSeconds = null);
