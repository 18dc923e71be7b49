using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>
/// Probes every running replica at its own address (not through the proxy) and reports the worst answer, naming
/// each replica that is not healthy: a replica whose <c>/health</c> answers 200 <c>Degraded</c> (a draining socket
/// node) makes the check Degraded, one that answers anything else, or nothing, Unhealthy.
/// </summary>
internal sealed class ReplicaHealthCheck(ReplicaTracker replicas, string path, IHttpClientFactory httpClients) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var running = replicas.Running();
        if (running.Count == 0)
        {
            return HealthCheckResult.Unhealthy($"No replica of '{replicas.ResourceName}' is running yet.");
        }

        var answers = await Task.WhenAll(running.Select(r => ProbeAsync(r.ReplicaId, new Uri(r.Address, path), cancellationToken)));
        var worst = answers.Min(a => a.Status);
        var notHealthy = answers.Where(a => a.Status != HealthStatus.Healthy).Select(a => a.Text).ToList();
        var description = notHealthy.Count == 0
            ? $"All {answers.Length} replicas answered {path} Healthy."
            : string.Join("; ", notHealthy);
        return new HealthCheckResult(worst, description);
    }

    private async Task<(HealthStatus Status, string Text)> ProbeAsync(string replicaId, Uri uri, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await httpClients.CreateClient(ReplicaHealthExtensions.HttpClientName).GetAsync(uri, cancellationToken);
            var body = (await response.Content.ReadAsStringAsync(cancellationToken)).Trim();
            var status = !response.IsSuccessStatusCode ? HealthStatus.Unhealthy
                : body == nameof(HealthStatus.Degraded) ? HealthStatus.Degraded
                : HealthStatus.Healthy;
            var what = status == HealthStatus.Degraded ? " (a socket node: draining)" : "";
            return (status, $"{replicaId} answered {(int)response.StatusCode} {body}{what}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (HealthStatus.Unhealthy, $"{replicaId} did not answer {uri}: {ex.Message}");
        }
    }
}
