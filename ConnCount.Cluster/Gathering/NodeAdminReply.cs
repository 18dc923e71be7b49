using ConnCount.Cluster.Contracts;

namespace ConnCount.Cluster.Gathering;

/// <summary>The outcome of an admin request, with the node's answer when it gave one.</summary>
public sealed record NodeAdminReply(NodeAdminOutcome Outcome, DrainStatus? Status);
