using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Registers a NATS connection from the connection string the AppHost injects
/// (<c>ConnectionStrings:{name}</c>, <c>nats://[user:pass@]host:port</c>), with a health check and
/// the <c>NATS.Net</c> tracing source and meter, so a request is one trace across services.
/// </summary>
public static class NatsClientExtensions
{
    /// <summary>The name of the NATS health check.</summary>
    public const string HealthCheckName = "nats";

    /// <summary>The tracing source and meter of NATS.Net.</summary>
    public const string TelemetryName = "NATS.Net";

    /// <summary>Adds a singleton <see cref="NatsConnection"/> (also as <see cref="INatsConnection"/>).</summary>
    /// <exception cref="InvalidOperationException">The connection string is missing or not a NATS URL.</exception>
    public static TBuilder AddNatsClient<TBuilder>(this TBuilder builder, string connectionName) where TBuilder : IHostApplicationBuilder
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName);
        var opts = CreateOptions(connectionName, connectionString);

        builder.Services.AddSingleton(sp => new NatsConnection(opts with
        {
            LoggerFactory = sp.GetRequiredService<ILoggerFactory>(),
            Name = builder.Environment.ApplicationName,
        }));
        builder.Services.AddSingleton<INatsConnection>(sp => sp.GetRequiredService<NatsConnection>());

        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            HealthCheckName,
            sp => new NatsHealthCheck(sp.GetRequiredService<INatsConnection>()),
            failureStatus: default,
            tags: ["ready"]));

        builder.Services.AddOpenTelemetry()
            .WithTracing(t => t.AddSource(TelemetryName))
            .WithMetrics(m => m.AddMeter(TelemetryName));
        return builder;
    }

    /// <summary>Turns a connection string into options; credentials in the URL become user/password auth.</summary>
    public static NatsOpts CreateOptions(string connectionName, string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"NATS connection string 'ConnectionStrings:{connectionName}' is missing. Run through the AppHost, or set ConnectionStrings__{connectionName}=nats://host:4222.");
        }

        if (!Uri.TryCreate(connectionString, UriKind.Absolute, out var uri) || uri.Scheme is not ("nats" or "tls"))
        {
            throw new InvalidOperationException(
                $"NATS connection string 'ConnectionStrings:{connectionName}' must look like nats://[user:password@]host:port.");
        }

        var auth = NatsAuthOpts.Default;
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var parts = uri.UserInfo.Split(':', 2);
            auth = auth with
            {
                Username = Uri.UnescapeDataString(parts[0]),
                Password = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : null,
            };
        }

        return NatsOpts.Default with
        {
            Url = $"{uri.Scheme}://{uri.Host}:{(uri.IsDefaultPort || uri.Port < 0 ? 4222 : uri.Port)}",
            AuthOpts = auth,
            // A service starts even when NATS is not up yet; it counts locally and joins the cluster when NATS appears.
            RetryOnInitialConnect = true,
            MaxReconnectRetry = -1,
            ReconnectWaitMin = TimeSpan.FromMilliseconds(250),
            ReconnectWaitMax = TimeSpan.FromSeconds(2),
        };
    }

    private sealed class NatsHealthCheck(INatsConnection connection) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(connection.ConnectionState == NatsConnectionState.Open
                ? HealthCheckResult.Healthy()
                : new HealthCheckResult(context.Registration.FailureStatus, $"NATS connection is {connection.ConnectionState}."));
    }
}
