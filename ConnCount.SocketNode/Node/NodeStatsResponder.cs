using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Durable;
using ConnCount.Cluster.Gathering;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace ConnCount.SocketNode.Node;

/// <summary>
/// This node's side of the cluster protocol: answers every stats scatter (no queue group, so every node
/// answers), heartbeats its presence, announces itself when a directory asks, answers identity checks of its id
/// (<see cref="DuplicateIdentityGuard"/>), and says goodbye on a graceful stop so aggregators stop expecting it at once.
/// </summary>
public sealed class NodeStatsResponder(
    INatsConnection nats,
    NodeIdentity identity,
    NodeStatsSource source,
    IOptions<ClusterOptions> options,
    ILogger<NodeStatsResponder> logger) : BackgroundService
{
    private static readonly NatsJsonContextSerializer<NodeStats> StatsSerializer = new(ClusterJsonContext.Default);
    private static readonly NatsJsonContextSerializer<NodeAnnouncement> AnnouncementSerializer = new(ClusterJsonContext.Default);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        await AnnounceFirstAsync(stoppingToken);
        await Task.WhenAll(
            NatsLoop.KeepRunningAsync("answer stats requests", AnswerStatsAsync, logger, stoppingToken),
            NatsLoop.KeepRunningAsync("answer discovery", AnswerDiscoveryAsync, logger, stoppingToken),
            NodeIds.IsSubjectToken(identity.Id)
                ? NatsLoop.KeepRunningAsync("answer identity checks", AnswerIdentityAsync, logger, stoppingToken)
                : Task.CompletedTask,
            NatsLoop.KeepRunningAsync("heartbeat", HeartbeatAsync, logger, stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (nats.ConnectionState == NatsConnectionState.Open)
        {
            try
            {
                await nats.PublishAsync(NatsSubjects.Goodbye, source.GetAnnouncement(), serializer: AnnouncementSerializer, cancellationToken: cancellationToken);
                await nats.PingAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is NatsException or OperationCanceledException)
            {
                logger.LogWarning(ex, "Could not say goodbye; the directory will expire this node");
            }
        }
    }

    private async Task AnswerStatsAsync(CancellationToken stoppingToken)
    {
        await foreach (var msg in nats.SubscribeAsync<object?>(NatsSubjects.Stats, cancellationToken: stoppingToken))
        {
            var reply = source.GetGatherReply(UsageChunks.MaxChunkBytes(nats.ServerInfo?.MaxPayload));
            await msg.ReplyAsync(reply, serializer: StatsSerializer, cancellationToken: stoppingToken);
        }
    }

    private async Task AnswerDiscoveryAsync(CancellationToken stoppingToken)
    {
        await foreach (var _ in nats.SubscribeAsync<object?>(NatsSubjects.Discover, cancellationToken: stoppingToken))
        {
            await AnnounceAsync(stoppingToken);
        }
    }

    private async Task AnswerIdentityAsync(CancellationToken stoppingToken)
    {
        await foreach (var msg in nats.SubscribeAsync<object?>(NatsSubjects.NodeIdentity(identity.Id), cancellationToken: stoppingToken))
        {
            await msg.ReplyAsync(source.GetAnnouncement(), serializer: AnnouncementSerializer, cancellationToken: stoppingToken);
        }
    }

    private async Task HeartbeatAsync(CancellationToken stoppingToken)
    {
        // The first heartbeat went out before the loops started (AnnounceFirstAsync).
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await AnnounceAsync(stoppingToken);
        }
    }

    /// <summary>
    /// The first heartbeat, sent before this node subscribes to stats requests. NATS keeps one connection's messages
    /// in order, so a directory hears of this node before any gather reply from it: a gather that has just ended with
    /// every known node would otherwise drop a reply from a node it had not heard of yet. Without NATS it is skipped;
    /// the heartbeat loop announces once NATS is back.
    /// </summary>
    private async Task AnnounceFirstAsync(CancellationToken stoppingToken)
    {
        try
        {
            await AnnounceAsync(stoppingToken);
        }
        catch (NatsException ex)
        {
            logger.LogWarning("Could not send the first heartbeat: {Error}", ex.Message);
        }
    }

    private ValueTask AnnounceAsync(CancellationToken stoppingToken) =>
        nats.PublishAsync(NatsSubjects.Heartbeat, source.GetAnnouncement(), serializer: AnnouncementSerializer, cancellationToken: stoppingToken);
}
