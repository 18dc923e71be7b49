namespace ConnCount.Cluster.Gathering;

/// <summary>How an admin request to one node ended.</summary>
public enum NodeAdminOutcome
{
    /// <summary>The node answered with its <see cref="Contracts.DrainStatus"/>.</summary>
    Done,

    /// <summary>No node with that id is subscribed (NATS answered "no responders").</summary>
    UnknownNode,

    /// <summary>The node is subscribed but did not answer within <see cref="ClusterOptions.AdminTimeout"/>: its state is not known.</summary>
    NoAnswer,
}
