using Microsoft.Extensions.Diagnostics.HealthChecks;
using NATS.Client.Core;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Healthy once the NATS server accepts an authenticated client connection and answers a PING,
/// so <c>WaitFor(nats)</c> releases dependants only when they can really connect.
/// </summary>
/// <remarks>
/// One connection is kept for the life of the AppHost rather than one per check: the checks run
/// every few seconds and a connection each time would churn the server. The DI container owns
/// this instance and disposes it, and with it the connection, at shutdown.
/// </remarks>
internal sealed class NatsServerHealthCheck : IHealthCheck, IAsyncDisposable
{
    private NatsConnection? _connection;

    /// <summary>Called when the resource's connection string becomes known (again, after a restart).</summary>
    public async Task UseConnectionStringAsync(string connectionString)
    {
        // The health check connects quietly: failures show as the resource's health state,
        // not as client reconnect warnings in the AppHost's log.
        var connection = new NatsConnection(NatsOpts.Default with
        {
            Url = connectionString,
            Name = "conncount-apphost-health",
        });
        var previous = Interlocked.Exchange(ref _connection, connection);
        if (previous is not null)
        {
            await previous.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var connection = Volatile.Read(ref _connection);
        if (connection is null)
        {
            return HealthCheckResult.Unhealthy("The NATS server has no connection string yet.");
        }

        try
        {
            // ConnectAsync returns at once when open and retries from scratch after a failed attempt.
            await connection.ConnectAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
            await connection.PingAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("The NATS server does not accept connections.", ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _connection, null) is { } connection)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
