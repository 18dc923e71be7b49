namespace ConnCount.Cluster.Gathering;

/// <summary>The cluster cannot be asked right now (NATS is unreachable); callers answer 503, never hang.</summary>
public sealed class ClusterUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
