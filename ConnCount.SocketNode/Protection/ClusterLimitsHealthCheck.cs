using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ConnCount.SocketNode.Protection;

/// <summary>
/// Ready once the node admits limited joins (<see cref="ClusterLimitBudget.Ready"/>): with a cluster-wide limit
/// configured, a node that has not yet heard a whole round of the others' counts refuses limited joins, so it is not
/// ready for traffic. Always healthy without limits.
/// </summary>
public sealed class ClusterLimitsHealthCheck(ClusterLimitBudget budget) : IHealthCheck
{
    public const string Name = "cluster-limits";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(budget.Ready
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("Learning the cluster's counts of limited topics and tenants; limited joins are refused until then."));
}
