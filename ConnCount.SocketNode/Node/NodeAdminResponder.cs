using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Gathering;
using NATS.Client.Core;

namespace ConnCount.SocketNode.Node;

/// <summary>
/// Answers drain and resume requests for this node that arrive over NATS on its own subjects
/// (<see cref="NatsSubjects.NodeDrain"/>, <see cref="NatsSubjects.NodeResume"/>), as the StatsApi's
/// <c>/api/admin/nodes/{id}/drain</c> sends them.
/// </summary>
/// <remarks>
/// No admin key is checked here: the request comes over NATS, which requires credentials wherever ConnCount runs,
/// and whoever may publish there is already trusted to answer gathers for the cluster (docs/protection.md).
/// </remarks>
public sealed partial class NodeAdminResponder(
    INatsConnection nats,
    NodeIdentity identity,
    NodeDrainer drainer,
    ILogger<NodeAdminResponder> logger) : BackgroundService
{
    private static readonly NatsJsonContextSerializer<DrainStatus> Serializer = new(ClusterJsonContext.Default);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        if (!NodeIds.IsSubjectToken(identity.Id))
        {
            LogNoSubject(identity.Id);
            return;
        }

        await Task.WhenAll(
            NatsLoop.KeepRunningAsync("answer drain requests", ct => AnswerAsync(NatsSubjects.NodeDrain(identity.Id), () => drainer.DrainAsync("nats"), ct), logger, stoppingToken),
            NatsLoop.KeepRunningAsync("answer resume requests", ct => AnswerAsync(NatsSubjects.NodeResume(identity.Id), () => Task.FromResult(drainer.Resume("nats")), ct), logger, stoppingToken));
    }

    private async Task AnswerAsync(string subject, Func<Task<DrainStatus>> act, CancellationToken stoppingToken)
    {
        await foreach (var msg in nats.SubscribeAsync<object?>(subject, cancellationToken: stoppingToken))
        {
            var status = await act();
            await msg.ReplyAsync(status, serializer: Serializer, cancellationToken: stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Node id '{Node}' cannot name a NATS subject (it holds '.', '*', '>' or whitespace): drain by id through the StatsApi is not available; /admin/drain still is")]
    private partial void LogNoSubject(string node);
}
