using ConnCount.Cluster.Contracts;

namespace ConnCount.Cluster.Gathering;

/// <summary>How nodes announce themselves and how long a gather may take. Section <c>ConnCount:Cluster</c>.</summary>
public sealed class ClusterOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "ConnCount:Cluster";

    /// <summary>How often a node publishes its heartbeat.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A node not heard from for this long is no longer waited for by a gather; it lingers, named missing, until its
    /// linger (<see cref="NodeAnnouncement.LingerSeconds"/>, or <see cref="DefaultLinger"/>) has passed too.
    /// </summary>
    public TimeSpan NodeExpiry { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>
    /// How long a silent node stays named missing when it did not announce its own linger: long enough for the
    /// nodes' default 60 s idle timeout to have closed every socket it held.
    /// </summary>
    public TimeSpan DefaultLinger { get; set; } = TimeSpan.FromSeconds(70);

    /// <summary>The longest a gather waits for the expected nodes before it answers partial.</summary>
    public TimeSpan GatherTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Whether whoever asked for a stats gather resumes on NATS.Net's read loop, where the last reply was read, instead
    /// of on the thread pool: one thread hand-off less per gather, but no other NATS message is read until the caller
    /// next awaits. The StatsApi turns it on (its appsettings.json): what follows a gather there is short and never
    /// blocks. Off by default, and on the nodes, whose stats pushes write to every watching socket.
    /// </summary>
    public bool ResumeStatsOnReadLoop { get; set; }

    /// <summary>
    /// The longest an admin request waits for its answer: to one node (drain, resume, disconnect by node), or from every
    /// node (disconnect by user or topic, which then answers partial). A drain or a disconnect answers once its sockets
    /// have closed, which takes up to the nodes' 3 s close-handshake grace.
    /// </summary>
    public TimeSpan AdminTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The longest a server publish (<c>POST /api/topics/{topic}/messages</c>) waits for the NATS server to confirm it
    /// holds the message; past it the answer is 503.
    /// </summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
