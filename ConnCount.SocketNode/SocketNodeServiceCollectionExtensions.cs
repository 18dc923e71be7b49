using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Gathering;
using ConnCount.SocketNode.Counting;
using ConnCount.SocketNode.Node;
using ConnCount.SocketNode.Protection;
using ConnCount.SocketNode.Sockets;
using ConnCount.SocketNode.Usage;

namespace ConnCount.SocketNode;

/// <summary>Registers everything a socket node runs.</summary>
public static class SocketNodeServiceCollectionExtensions
{
    public static IHostApplicationBuilder AddSocketNode(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SocketNodeOptions>()
            .Bind(builder.Configuration.GetSection(SocketNodeOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddClusterStats(builder.Configuration);
        builder.Services.AddSingleton<NodeIdentity>();
        builder.Services.AddSingleton<NodeState>();
        builder.Services.AddSingleton<NodeDrainer>();
        builder.Services.AddHealthChecks().AddCheck<DrainingHealthCheck>(DrainingHealthCheck.Name, tags: ["ready"]);
        builder.Services.AddSingleton<ConnectionRegistry>();
        builder.Services.AddSingleton<WatcherRegistry>();
        builder.Services.AddSingleton<NodeStatsSource>();
        builder.Services.AddSingleton<ChannelEventHandler>();
        builder.Services.AddSingleton<SocketNodeMetrics>();
        // The node's own instruments, and those of the gathers it runs for get_cluster_connection_stats.
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(SocketNodeMetrics.MeterName, ClusterMetrics.MeterName));
        builder.Services.AddSingleton<SessionDependencies>();
        builder.Services.AddSingleton<PresenceHub>();
        builder.Services.AddOptions<Events.SpikeOptions>().Bind(builder.Configuration.GetSection(Events.SpikeOptions.SectionName))
            .Validate(o => o.Factor > 1 && o.Alpha is > 0 and <= 1 && o.MinJoinsPerSecond >= 0 && o.SampleInterval > TimeSpan.Zero,
                "ConnCount:Spikes needs Factor > 1, 0 < Alpha <= 1, MinJoinsPerSecond >= 0 and a positive SampleInterval.")
            .ValidateOnStart();
        builder.Services.AddSingleton<Events.JoinRateMonitor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Events.JoinRateMonitor>());
        builder.Services.AddSingleton<Usage.UsageLedger>();
        builder.AddUsageReporting();
        builder.Services.AddHostedService<PresenceBroadcaster>();
        builder.AddSocketNodeProtection();
        builder.Services.AddSingleton<SessionTracker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SessionTracker>());
        builder.Services.AddHostedService<NodeStatsResponder>();
        builder.Services.AddHostedService<NodeServiceRegistration>();
        builder.Services.AddHostedService<NodeAdminResponder>();
        return builder;
    }
}
