using ConnCount.ServiceDefaults.Buffers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The defaults every ConnCount service shares: OpenTelemetry, health checks, service discovery and
/// resilience. Follows the Aspire service-defaults template.
/// </summary>
public static class Extensions
{
    private const string HealthEndpointPath = "/health";
    private const string AlivenessEndpointPath = "/alive";
    private const string MetricsEndpointPath = "/metrics";

    /// <summary>Kestrel's socket transport settings (<see cref="SocketTransportOptions"/>), for example <c>UnsafePreferInlineScheduling</c>.</summary>
    public const string SocketTransportSection = "ConnCount:Sockets";

    /// <summary>The meters ASP.NET Core publishes: requests, Kestrel connections, routing, exceptions, rate limiting.</summary>
    private static readonly string[] AspNetCoreMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Http.Connections",
        "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics",
        "Microsoft.AspNetCore.RateLimiting",
        "Microsoft.AspNetCore.Authentication",
        "Microsoft.AspNetCore.Authorization",
    ];

    /// <summary>Adds secret redaction in logs, OpenTelemetry, default health checks, service discovery and HTTP resilience.</summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddSecretRedaction();
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddOptions<SocketTransportOptions>().BindConfiguration(SocketTransportSection);
        builder.AddReleasingBufferPool();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
        return builder;
    }

    /// <summary>
    /// Logs, metrics and traces, exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the AppHost sets
    /// it); metrics are also kept for a Prometheus scrape of <c>/metrics</c> (see <see cref="MapDefaultEndpoints"/>).
    /// Traces are recorded only when they are exported (<see cref="TracesExported"/>). Each service adds its own meters.
    /// </summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                // ASP.NET Core's own meters (what AddAspNetCoreInstrumentation adds), without that method's
                // error-type middleware: it awaits every request, so it would keep a state machine alive for the
                // whole life of every socket. ASP.NET Core tags failed requests with error.type itself.
                .AddMeter(AspNetCoreMeters)
                .AddMeter(ReleasingMemoryPoolFactory.MeterName)
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());

        if (TracesExported(builder.Configuration))
        {
            telemetry.WithTracing(tracing => tracing
                // Heartbeats and syncs would fill the trace list; what a request causes is kept (see the sampler).
                .SetSampler(new ParentBasedSampler(new BackgroundNatsSampler()))
                .AddSource(builder.Environment.ApplicationName)
                .AddAspNetCoreInstrumentation(o =>
                    // Health probes and scrapes would drown the traces that matter. A WebSocket upgrade is not
                    // traced either: its span would stay open, holding its tags, for the socket's whole life.
                    o.Filter = context => !context.Request.Path.StartsWithSegments(HealthEndpointPath)
                        && !context.Request.Path.StartsWithSegments(AlivenessEndpointPath)
                        && !context.Request.Path.StartsWithSegments(MetricsEndpointPath)
                        && !IsWebSocketUpgrade(context.Request))
                .AddHttpClientInstrumentation());
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// Whether traces go anywhere: an OTLP endpoint is configured. Without one, no span is started: a span per
    /// request, and the trace context it adds to each NATS message (which makes every node record one too), cost
    /// <c>GET /api/stats</c> about a tenth of its time for nothing (docs/benchmarks.md).
    /// </summary>
    internal static bool TracesExported(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

    /// <summary>
    /// An HTTP/1.1 WebSocket upgrade, read from the header: the filter runs before the WebSocket middleware,
    /// so <c>HttpContext.WebSockets</c> cannot tell yet.
    /// </summary>
    private static bool IsWebSocketUpgrade(HttpRequest request) =>
        string.Equals(request.Headers.Upgrade.ToString(), "websocket", StringComparison.OrdinalIgnoreCase);

    /// <summary>A liveness check tagged <c>live</c>; readiness checks (NATS) add themselves.</summary>
    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (every check: ready to serve), <c>/alive</c> (liveness only) and <c>/metrics</c> (Prometheus
    /// text format). Mapped in every environment and open to anonymous callers, whatever a service requires
    /// elsewhere: orchestrators probe and scrapers scrape without credentials, and these reveal a status and
    /// aggregate numbers only. Keep them off the public ingress.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthEndpointPath).AllowAnonymous();
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions { Predicate = r => r.Tags.Contains("live") }).AllowAnonymous();
        app.MapPrometheusScrapingEndpoint(MetricsEndpointPath).AllowAnonymous();
        return app;
    }
}
