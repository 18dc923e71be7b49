using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Gathering;
using ConnCount.SocketNode.Node;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace ConnCount.SocketNode.Protection;

/// <summary>
/// Carries <see cref="ClusterLimitBudget"/>'s counts between the nodes: at the start of every round (a multiple of
/// <see cref="LimitsOptions.UsageSyncInterval"/> in Unix time, the same on every node) starts the round in the budget
/// and publishes this node's counts on <see cref="NatsSubjects.LimitCounts"/>, and hands every other node's to the
/// budget. Runs only when a limit is configured. A round whose start passed while this node was busy is skipped.
/// </summary>
public sealed class ClusterLimitExchange(
    ClusterLimitBudget budget,
    IOptions<LimitsOptions> options,
    NodeIdentity identity,
    INatsConnection nats,
    TimeProvider time,
    ILogger<ClusterLimitExchange> logger) : BackgroundService
{
    private static readonly NatsJsonContextSerializer<NodeLimitCounts> Serializer = new(ClusterJsonContext.Default);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!budget.Enabled)
        {
            return;
        }

        await Task.Yield();
        await Task.WhenAll(ListenAsync(stoppingToken), PublishAsync(stoppingToken));
    }

    private async Task PublishAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.UsageSyncInterval;
        var round = ClusterLimitBudget.RoundAt(time.GetUtcNow(), interval) + 1;
        try
        {
            while (true)
            {
                var due = ClusterLimitBudget.RoundStart(round, interval) - time.GetUtcNow();
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, time, stoppingToken);
                }

                var counts = budget.Publish(identity.Id, identity.StartedAt, round);
                round = Math.Max(round, ClusterLimitBudget.RoundAt(time.GetUtcNow(), interval)) + 1;
                try
                {
                    await nats.PublishAsync(NatsSubjects.LimitCounts, counts, serializer: Serializer, cancellationToken: stoppingToken);
                }
                catch (NatsException ex)
                {
                    logger.LogDebug(ex, "Could not publish limit counts");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private Task ListenAsync(CancellationToken stoppingToken) =>
        NatsLoop.KeepRunningAsync("listen for limit counts", async ct =>
        {
            await foreach (var msg in nats.SubscribeAsync(NatsSubjects.LimitCounts, serializer: Serializer, cancellationToken: ct))
            {
                if (msg.Data is { Node.Length: > 0 } counts && counts.Node != identity.Id)
                {
                    budget.Receive(counts);
                }
            }
        }, logger, stoppingToken);
}
