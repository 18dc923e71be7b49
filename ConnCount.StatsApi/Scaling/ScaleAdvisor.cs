using ConnCount.Cluster.Contracts;

namespace ConnCount.StatsApi.Scaling;

/// <summary>Turns a gather into the replica count an autoscaler should aim for. Pure: unit-testable.</summary>
public static class ScaleAdvisor
{
    /// <summary>
    /// Advice for <paramref name="targetPerNode"/> sockets per node. A node that did not answer still had its
    /// sockets a moment ago (its clients are about to reconnect elsewhere), so its last-known sockets count:
    /// scaling in on a partial gather would shed capacity just when a node failed.
    /// </summary>
    public static ScaleView Advise(ClusterStats stats, int targetPerNode)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(targetPerNode, 1);

        var missing = stats.Stale.Values.Sum(n => n.Sockets);
        var sockets = stats.TotalSockets + missing;
        var desired = Math.Max(1, (sockets + targetPerNode - 1) / targetPerNode);
        // With no node answering, the load is measured against one node rather than divided by zero.
        var ratio = (double)sockets / ((double)Math.Max(stats.ClusterSize, 1) * targetPerNode);

        return new ScaleView(
            Sockets: sockets,
            Nodes: stats.ClusterSize,
            TargetPerNode: targetPerNode,
            DesiredReplicas: desired,
            LoadRatio: Math.Round(ratio, 4),
            Partial: stats.Partial,
            MissingSockets: missing,
            GatheredAt: stats.GatheredAt);
    }
}
