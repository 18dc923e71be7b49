using ConnCount.Cluster.Gathering;
using ConnCount.Cluster.Messaging;
using ConnCount.SocketNode.Memberships;
using ConnCount.SocketNode.Node;
using ConnCount.SocketNode.Protection;
using ConnCount.SocketNode.Protocol;
using ConnCount.SocketNode.Sockets;
using ConnCount.SocketNode.Usage;
using Microsoft.Extensions.DependencyInjection.Extensions;

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
        // First of the node's hosted services: a duplicate id is refused before anything announces or answers.
        builder.Services.AddHostedService<DuplicateIdentityGuard>();
        builder.Services.AddSingleton<NodeState>();
        builder.Services.AddSingleton<NodeDrainer>();
        builder.Services.AddSingleton<NodeDisconnector>();
        builder.Services.AddHealthChecks().AddCheck<DrainingHealthCheck>(DrainingHealthCheck.Name, tags: ["ready"]);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<TopicTable>();
        builder.Services.AddSingleton<WatcherTable>();
        builder.Services.AddSingleton<OpenSockets>();
        builder.Services.AddSingleton<MembershipPipeline>();
        builder.Services.AddSingleton<PhoenixProtocol>();
        builder.Services.AddOptions<StatsOptions>()
            .Bind(builder.Configuration.GetSection(StatsOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<NodeStatsSource>();
        builder.Services.AddSingleton<UserTally>();
        builder.Services.AddSingleton<IMembershipObserver>(sp => sp.GetRequiredService<UserTally>());
        builder.Services.AddSingleton<ChannelEventHandler>();
        builder.Services.AddSingleton<SocketNodeMetrics>();
        // The node's own instruments, and those of the gathers it runs for get_cluster_connection_stats.
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(SocketNodeMetrics.MeterName, ClusterMetrics.MeterName));
        builder.Services.AddSingleton<IMembershipObserver>(sp => sp.GetRequiredService<SocketNodeMetrics>());
        builder.Services.AddSingleton<StatsWatchHub>();
        builder.Services.AddTopicMessageRules(builder.Configuration);
        builder.Services.AddSingleton<Messaging.TopicMessaging>();
        builder.Services.AddSingleton<Messaging.TopicFanout>();
        builder.Services.AddSingleton<Presence.PresenceTracker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Presence.PresenceTracker>());
        builder.Services.AddOptions<Spikes.SpikeOptions>().Bind(builder.Configuration.GetSection(Spikes.SpikeOptions.SectionName))
            .Validate(o => o.Factor > 1 && o.Alpha is > 0 and <= 1 && o.MinJoinsPerSecond >= 0 && o.SampleInterval > TimeSpan.Zero,
                "ConnCount:Spikes needs Factor > 1, 0 < Alpha <= 1, MinJoinsPerSecond >= 0 and a positive SampleInterval.")
            .ValidateOnStart();
        builder.Services.AddSingleton<Spikes.JoinRateMonitor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Spikes.JoinRateMonitor>());
        builder.Services.AddSingleton<UsageLedger>();
        builder.Services.AddSingleton<IMembershipObserver>(sp => sp.GetRequiredService<UsageLedger>());
        builder.AddUsageReporting();
        builder.Services.AddHostedService<StatsPushBroadcaster>();
        builder.AddSocketNodeProtection();
        builder.Services.AddSingleton<SessionTracker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SessionTracker>());
        builder.Services.AddHostedService<NodeStatsResponder>();
        builder.Services.AddHostedService<NodeServiceRegistration>();
        builder.Services.AddHostedService<NodeAdminResponder>();
        return builder;
    }
}
