using ConnCount.SocketNode.Counting;
using ConnCount.SocketNode.Node;
using ConnCount.SocketNode.Protection;
using Microsoft.Extensions.Options;

namespace ConnCount.SocketNode.Sockets;

/// <summary>The node-wide services every <see cref="PhoenixSession"/> uses, resolved once.</summary>
public sealed class SessionDependencies(
    ConnectionRegistry registry,
    WatcherRegistry watchers,
    ChannelEventHandler events,
    JoinAuthorizer authorizer,
    StatsVisibility visibility,
    ClusterLimitBudget limits,
    SocketNodeMetrics metrics,
    PresenceHub presence,
    Usage.UsageLedger usage,
    Events.JoinRateMonitor joinRates,
    SessionTracker sessions,
    IOptions<SocketNodeOptions> options,
    IOptions<RateLimitOptions> rates,
    ILogger<PhoenixSession> logger)
{
    public ConnectionRegistry Registry => registry;
    public WatcherRegistry Watchers => watchers;
    public ChannelEventHandler Events => events;
    public JoinAuthorizer Authorizer => authorizer;
    public StatsVisibility Visibility => visibility;
    /// <summary>The ordered refusals of a join, with this node's limits.</summary>
    public JoinAdmission Admission { get; } = new(options.Value.MaxTopicLength, options.Value.MaxChannelsPerSocket, rates.Value.JoinsPerSecondPerSocket);
    public ClusterLimitBudget Limits => limits;
    public SocketNodeMetrics Metrics => metrics;
    public PresenceHub Presence => presence;
    public Usage.UsageLedger Usage => usage;
    public Events.JoinRateMonitor JoinRates => joinRates;
    public SessionTracker Sessions => sessions;
    public SocketNodeOptions Options => options.Value;
    public ILogger Logger => logger;
}
