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
/// (<c>ConnectionStrings:{name}</c>, <c>nats://[user:pass@]host:port</c>, or several comma-separated), with a health check and
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

    /// <summary>
    /// Turns a connection string into options: one URL, or several separated by commas (servers of one NATS
    /// cluster, tried in turn until one answers). Credentials in a URL become user/password auth; when several
    /// URLs carry credentials they must be the same.
    /// </summary>
    /// <exception cref="InvalidOperationException">The connection string is missing, a URL is not a NATS URL, or the URLs name different credentials.</exception>
    public static NatsOpts CreateOptions(string connectionName, string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"NATS connection string 'ConnectionStrings:{connectionName}' is missing. Run through the AppHost, or set ConnectionStrings__{connectionName}=nats://host:4222.");
        }

        var servers = new List<string>();
        string? userInfo = null;
        foreach (var part in connectionString.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || uri.Scheme is not ("nats" or "tls") || uri.Host.Length == 0)
            {
                throw new InvalidOperationException(
                    $"NATS connection string 'ConnectionStrings:{connectionName}' must look like nats://[user:password@]host:port, or several such URLs separated by commas; '{Redact(part)}' is not one.");
            }

            if (!string.IsNullOrEmpty(uri.UserInfo))
            {
                if (userInfo is not null && userInfo != uri.UserInfo)
                {
                    throw new InvalidOperationException(
                        $"NATS connection string 'ConnectionStrings:{connectionName}' names different credentials in different URLs; one connection has one user.");
                }

                userInfo = uri.UserInfo;
            }

            servers.Add($"{uri.Scheme}://{uri.Host}:{(uri.IsDefaultPort || uri.Port < 0 ? 4222 : uri.Port)}");
        }

        if (servers.Count == 0)
        {
            throw new InvalidOperationException(
                $"NATS connection string 'ConnectionStrings:{connectionName}' names no server.");
        }

        var auth = NatsAuthOpts.Default;
        if (userInfo is not null)
        {
            var parts = userInfo.Split(':', 2);
            auth = auth with
            {
                Username = Uri.UnescapeDataString(parts[0]),
                Password = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : null,
            };
        }

        return NatsOpts.Default with
        {
            Url = string.Join(',', servers),
            AuthOpts = auth,
            // A service starts even when NATS is not up yet; it counts locally and joins the cluster when NATS appears.
            RetryOnInitialConnect = true,
            MaxReconnectRetry = -1,
            ReconnectWaitMin = TimeSpan.FromMilliseconds(250),
            ReconnectWaitMax = TimeSpan.FromSeconds(2),
        };
    }

    /// <summary>A URL for an error message, its password left out.</summary>
    private static string Redact(string url)
    {
        var at = url.IndexOf('@');
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        return at > 0 && scheme >= 0 && at > scheme ? url[..(scheme + 3)] + "***@" + url[(at + 1)..] : url;
    }

    private sealed class NatsHealthCheck(INatsConnection connection) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(connection.ConnectionState == NatsConnectionState.Open
                ? HealthCheckResult.Healthy()
                : new HealthCheckResult(context.Registration.FailureStatus, $"NATS connection is {connection.ConnectionState}."));
    }
}
