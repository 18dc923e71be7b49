namespace ConnCount.StatsApi.History;

/// <summary>
/// One stored sample of the cluster, as the StatsApi gathered it at <see cref="At"/> (a whole interval, UTC).
/// </summary>
/// <param name="At">The sample's instant: the start of its interval.</param>
/// <param name="IntervalSeconds">The recording interval.</param>
/// <param name="Sockets">Open sockets over the nodes that answered.</param>
/// <param name="Memberships">Topic memberships over the nodes that answered.</param>
/// <param name="Nodes">Nodes that answered.</param>
/// <param name="MissingNodes">Known nodes that did not answer; their counts are in no figure.</param>
/// <param name="Partial">The gather was partial: some figure leaves out a node.</param>
/// <param name="Joins">Memberships begun since <see cref="ChurnSince"/>, over the nodes that answered.</param>
/// <param name="Leaves">Memberships ended since <see cref="ChurnSince"/>.</param>
/// <param name="ChurnExact">
/// False when <see cref="Joins"/> and <see cref="Leaves"/> are estimates for some node: the recorder had no earlier
/// sample of it (it had just started, or the node had been missing), so it used that node's last-minute churn window.
/// </param>
/// <param name="ChurnSince">The previous sample this recorder took: one interval earlier unless an instant was skipped; null for its first.</param>
/// <param name="Tenants">Open connections per tenant, the <c>MaxTenants</c> with the most.</param>
/// <param name="TenantsTruncated">Some tenants were left out.</param>
public sealed record HistorySample(
    DateTimeOffset At,
    long IntervalSeconds,
    long Sockets,
    long Memberships,
    int Nodes,
    IReadOnlyList<string> MissingNodes,
    bool Partial,
    long Joins,
    long Leaves,
    bool ChurnExact,
    DateTimeOffset? ChurnSince,
    IReadOnlyDictionary<string, long> Tenants,
    bool TenantsTruncated);
