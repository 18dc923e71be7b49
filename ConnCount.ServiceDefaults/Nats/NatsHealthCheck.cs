using Microsoft.Extensions.Diagnostics.HealthChecks;
using NATS.Client.Core;

namespace ConnCount.ServiceDefaults.Nats;

/// <summary>Healthy while the NATS connection is open: a service without NATS counts only locally.</summary>
internal sealed class NatsHealthCheck(INatsConnection connection) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(connection.ConnectionState == NatsConnectionState.Open
            ? HealthCheckResult.Healthy()
            : new HealthCheckResult(context.Registration.FailureStatus, $"NATS connection is {connection.ConnectionState}."));
}
