namespace ConnCount.StatsApi.Scaling;

/// <summary>The autoscaler's view: <c>GET /api/stats/scale</c>, read by KEDA's metrics-api scaler.</summary>
/// <param name="Sockets">Open sockets in the cluster, including the last-known sockets of nodes that did not answer.</param>
/// <param name="Nodes">Nodes that answered the gather.</param>
/// <param name="TargetPerNode">Sockets one node should carry.</param>
/// <param name="DesiredReplicas"><c>ceil(sockets / target_per_node)</c>, at least 1.</param>
/// <param name="LoadRatio"><c>sockets / (nodes × target_per_node)</c>; above 1 the cluster is over target.</param>
/// <param name="Partial">A node did not answer; its last-known sockets are in <paramref name="MissingSockets"/>.</param>
/// <param name="MissingSockets">The part of <paramref name="Sockets"/> that is last-known, not answered.</param>
public sealed record ScaleView(
    long Sockets,
    int Nodes,
    int TargetPerNode,
    long DesiredReplicas,
    double LoadRatio,
    bool Partial,
    long MissingSockets,
    DateTimeOffset GatheredAt);
