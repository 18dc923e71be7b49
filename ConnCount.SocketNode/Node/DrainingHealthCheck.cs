using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ConnCount.SocketNode.Node;

/// <summary>
/// Readiness: <see cref="HealthStatus.Degraded"/> while the node drains, so <c>/health</c> says <c>Degraded</c> (still
/// HTTP 200, ASP.NET Core's default for Degraded) and the AppHost's per-replica probe shows the replica degraded in
/// the dashboard. Not a failure: the node keeps serving health, metrics and admin calls, and a drain is chosen.
/// </summary>
public sealed class DrainingHealthCheck(NodeState state) : IHealthCheck
{
    /// <summary>The check's name in the health report.</summary>
    public const string Name = "draining";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(state.Draining
            ? HealthCheckResult.Degraded("Draining: refusing new sockets until resumed.")
            : HealthCheckResult.Healthy("Accepting sockets."));
}
