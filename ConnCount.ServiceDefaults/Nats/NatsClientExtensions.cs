using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ConnCount.ServiceDefaults.Nats;

/// <summary>
/// Registers ConnCount's NATS connection from the connection string the AppHost injects
/// (<c>ConnectionStrings:{name}</c>, <c>nats://[user:pass@]host:port</c>, or several comma-separated), with a health check and
/// the <c>NATS.Net</c> tracing source and meter, so a request is one trace across services.
/// </summary>
public static class NatsClientExtensions
{
    /// <summary>The name of the NATS health check.</summary>
    private const string HealthCheckName = "nats";

    /// <summary>The tracing source and meter of NATS.Net.</summary>
    private const string TelemetryName = "NATS.Net";

    /// <summary>Adds a singleton <see cref="NatsConnection"/> (also as <see cref="INatsConnection"/>).</summary>
    /// <exception cref="InvalidOperationException">The connection string is missing or not a NATS URL.</exception>
    public static TBuilder AddConnCountNats<TBuilder>(this TBuilder builder, string connectionName) where TBuilder : IHostApplicationBuilder
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

        var telemetry = builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(TelemetryName));
        if (Extensions.TracesExported(builder.Configuration))
        {
            telemetry.WithTracing(t => t.AddSource(TelemetryName));
        }

        return builder;
    }

    /// <summary>
    /// Turns a connection string into options. <see cref="NatsOpts.Url"/> takes it as it is: one URL, or several
    /// separated by commas (servers of one NATS cluster, tried until one answers), the credentials of the first
    /// URL being the user of the connection.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The connection string is missing, a URL is not a <c>nats://</c> or <c>tls://</c> URL with a host, or a URL names
    /// other credentials than the first one does (a connection has one user).
    /// </exception>
    internal static NatsOpts CreateOptions(string connectionName, string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"NATS connection string 'ConnectionStrings:{connectionName}' is missing. Run through the AppHost, or set ConnectionStrings__{connectionName}=nats://host:4222.");
        }

        Validate(connectionName, connectionString);
        return NatsOpts.Default with
        {
            Url = connectionString,
            // A service starts even when NATS is not up yet; it counts locally and joins the cluster when NATS appears.
            RetryOnInitialConnect = true,
            MaxReconnectRetry = -1,
            ReconnectWaitMin = TimeSpan.FromMilliseconds(250),
            ReconnectWaitMax = TimeSpan.FromSeconds(2),
        };
    }

    /// <summary>
    /// Refuses what NATS.Net would take or fail on later without naming the setting: a URL without a scheme
    /// (NATS.Net would assume <c>nats://</c>), another scheme, no host, or a second user it would silently ignore.
    /// </summary>
    private static void Validate(string connectionName, string connectionString)
    {
        string? firstUser = null;
        var first = true;
        foreach (var url in connectionString.Split(','))
        {
            if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("nats" or "tls") || uri.Host.Length == 0)
            {
                throw new InvalidOperationException(
                    $"NATS connection string 'ConnectionStrings:{connectionName}' must look like nats://[user:password@]host:port, or several such URLs separated by commas; '{Redact(url.Trim())}' is not one.");
            }

            if (first)
            {
                firstUser = uri.UserInfo;
                first = false;
            }
            else if (uri.UserInfo.Length > 0 && uri.UserInfo != firstUser)
            {
                throw new InvalidOperationException(
                    $"NATS connection string 'ConnectionStrings:{connectionName}' names other credentials in a later URL than in the first; one connection has one user, given by the first URL.");
            }
        }
    }

    /// <summary>A URL for an error message, its password left out.</summary>
    private static string Redact(string url)
    {
        var at = url.IndexOf('@');
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        return at > 0 && scheme >= 0 && at > scheme ? url[..(scheme + 3)] + "***@" + url[(at + 1)..] : url;
    }
}
