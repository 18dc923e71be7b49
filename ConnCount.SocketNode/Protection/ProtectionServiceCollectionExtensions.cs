using ConnCount.Cluster.Gathering;
using ConnCount.SocketNode.Memberships;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ConnCount.SocketNode.Protection;

/// <summary>Registers connection limits, trusted proxies, limits, rate limits, join authorization and the upgrade gate.</summary>
public static class ProtectionServiceCollectionExtensions
{
    public static IHostApplicationBuilder AddSocketNodeProtection(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<LimitsOptions>().Bind(builder.Configuration.GetSection(LimitsOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.Topics.All(t => t.Pattern.Length > 0 && t.MaxJoins > 0), "ConnCount:Limits:Topics entries need a Pattern and a positive MaxJoins.")
            .Validate(o => o.Plans.Values.All(v => v > 0), "ConnCount:Limits:Plans values must be positive.")
            .Validate(o => o.UsageSyncInterval >= TimeSpan.FromMilliseconds(1), "ConnCount:Limits:UsageSyncInterval must be at least 1 ms.")
            .ValidateOnStart();
        builder.Services.AddOptions<RateLimitOptions>().Bind(builder.Configuration.GetSection(RateLimitOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<AuthOptions>().Bind(builder.Configuration.GetSection(AuthOptions.SectionName))
            .Validate(o => o.ProtectedTopics.Count == 0 || System.Text.Encoding.UTF8.GetByteCount(o.SigningKey ?? "") >= 32,
                "ConnCount:Auth:SigningKey must be at least 32 bytes when ConnCount:Auth:ProtectedTopics is set.")
            .Validate(o => o.ClockSkew >= TimeSpan.Zero && o.ClockSkew <= TimeSpan.FromMinutes(10),
                "ConnCount:Auth:ClockSkew must be between 00:00:00 and 00:10:00.")
            .ValidateOnStart();

        builder.AddConnectionLimits();
        builder.Services.AddSingleton<TelemetryTopicNames>();
        builder.Services.AddSingleton<JoinAuthorizer>();
        builder.Services.AddSingleton<StatsVisibility>();
        builder.Services.AddSingleton<JoinPolicy>();
        builder.Services.AddSingleton<UpgradeGate>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => new ClusterLimitBudget(
            sp.GetRequiredService<IOptions<LimitsOptions>>().Value,
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value.NodeExpiry,
            sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<IMembershipObserver>(sp => sp.GetRequiredService<ClusterLimitBudget>());
        builder.Services.AddHostedService<ClusterLimitExchange>();
        builder.Services.AddHealthChecks().AddCheck<ClusterLimitsHealthCheck>(ClusterLimitsHealthCheck.Name, tags: ["ready"]);

        return builder;
    }

    /// <summary>
    /// Connection-level limits (<see cref="ConnectionLimitOptions"/>) and the trusted proxies whose forwarded headers
    /// give the client address (<see cref="ProxyOptions"/>); the app calls <c>UseForwardedHeaders</c> first.
    /// </summary>
    private static void AddConnectionLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ConnectionLimitOptions>().Bind(builder.Configuration.GetSection(ConnectionLimitOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.MaxPendingPerIp <= o.MaxPending, "ConnCount:Connections:MaxPendingPerIp cannot exceed ConnCount:Connections:MaxPending.")
            .ValidateOnStart();
        builder.Services.AddOptions<ProxyOptions>().Bind(builder.Configuration.GetSection(ProxyOptions.SectionName))
            .Validate(o => o.TrustedProxies.All(p => TrustedProxies.TryParse(p.Trim(), out _)),
                "ConnCount:Proxy:TrustedProxies entries must be IP addresses or CIDR networks (10.0.0.0/8).")
            .ValidateOnStart();
        builder.Services.AddSingleton<TrustedProxies>();
        builder.Services.AddSingleton<PendingConnectionLimiter>();
        builder.Services.AddSingleton<IConfigureOptions<KestrelServerOptions>, KestrelConnectionLimitsSetup>();
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<TrustedProxies>((forwarded, proxies) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // The defaults trust loopback; only the configured proxies are trusted here, and a chain of them is walked
            // back to the first address that is not one (ForwardLimit off).
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var network in proxies.Networks)
            {
                forwarded.KnownIPNetworks.Add(network);
            }

            forwarded.ForwardLimit = null;
        });
    }
}
