using ConnCount.Cluster.Durable;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ConnCount.Cluster.Gathering;

/// <summary>Registers the cluster view: node directory, its listener, the stats and usage clients, and the admin clients (drain, disconnect).</summary>
public static class ClusterServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="NodeDirectory"/>, <see cref="NodeDirectoryListener"/>, <see cref="ClusterStatsClient"/>, <see cref="ClusterUsageClient"/> with the <see cref="StoredUsageFeed"/> it adds durable usage from, <see cref="NodeAdminClient"/> and <see cref="ClusterDisconnectClient"/>,
    /// bound to the <c>ConnCount:Cluster</c> section. Needs an <c>INatsConnection</c> registered.
    /// </summary>
    public static IServiceCollection AddClusterStats(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ClusterOptions>()
            .Bind(configuration.GetSection(ClusterOptions.SectionName))
            .Validate(o => o.GatherTimeout > TimeSpan.Zero && o.HeartbeatInterval > TimeSpan.Zero && o.NodeExpiry > o.HeartbeatInterval && o.DefaultLinger >= TimeSpan.Zero
                    && o.AdminTimeout > TimeSpan.Zero && o.PublishTimeout > TimeSpan.Zero,
                "ConnCount:Cluster needs positive GatherTimeout, HeartbeatInterval, AdminTimeout and PublishTimeout, NodeExpiry longer than HeartbeatInterval, and a DefaultLinger of zero or more.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<NodeDirectory>();
        services.AddSingleton<ClusterStatsClient>();
        services.AddSingleton<ClusterUsageClient>();
        services.AddDurableUsageOptions(configuration);
        services.AddSingleton<StoredUsageFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<StoredUsageFeed>());
        services.AddSingleton<NodeAdminClient>();
        services.AddSingleton<ClusterDisconnectClient>();
        services.AddHostedService<NodeDirectoryListener>();
        return services;
    }
}
