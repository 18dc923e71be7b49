using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Gathering;
using NATS.Client.Core;

namespace ConnCount.SocketNode.Node;

/// <summary>
/// Answers admin requests that arrive over NATS: drain and resume on this node's own subjects
/// (<see cref="NatsSubjects.NodeDrain"/>, <see cref="NatsSubjects.NodeResume"/>), as the StatsApi's
/// <c>/api/admin/nodes/{id}/drain</c> sends them, and disconnects (<c>/api/admin/disconnect</c>): by user or topic on
/// <see cref="NatsSubjects.Disconnect"/>, which every node hears (no queue group), and of all its sockets on
/// <see cref="NatsSubjects.NodeDisconnect"/>.
/// </summary>
/// <remarks>
/// No admin key is checked here: the request comes over NATS, which requires credentials wherever ConnCount runs,
/// and whoever may publish there is already trusted to answer gathers for the cluster (docs/protection.md).
/// </remarks>
public sealed partial class NodeAdminResponder(
    INatsConnection nats,
    NodeIdentity identity,
    NodeDrainer drainer,
    NodeDisconnector disconnector,
    ILogger<NodeAdminResponder> logger) : BackgroundService
{
    private static readonly NatsJsonContextSerializer<DrainStatus> Serializer = new(ClusterJsonContext.Default);
    private static readonly NatsJsonContextSerializer<DisconnectRequest> DisconnectRequestSerializer = new(ClusterJsonContext.Default);
    private static readonly NatsJsonContextSerializer<DisconnectReply> DisconnectReplySerializer = new(ClusterJsonContext.Default);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        // The subject every node hears needs no id of its own, so a node answers it whatever its id.
        var everyNode = NatsLoop.KeepRunningAsync(
            "answer disconnect requests", ct => AnswerDisconnectAsync(NatsSubjects.Disconnect, wholeNode: false, ct), logger, stoppingToken);
        if (!NodeIds.IsSubjectToken(identity.Id))
        {
            LogNoSubject(identity.Id);
            await everyNode;
            return;
        }

        await Task.WhenAll(
            everyNode,
            NatsLoop.KeepRunningAsync("answer drain requests", ct => AnswerAsync(NatsSubjects.NodeDrain(identity.Id), () => drainer.DrainAsync("nats"), ct), logger, stoppingToken),
            NatsLoop.KeepRunningAsync("answer resume requests", ct => AnswerAsync(NatsSubjects.NodeResume(identity.Id), () => Task.FromResult(drainer.Resume("nats")), ct), logger, stoppingToken),
            NatsLoop.KeepRunningAsync("answer node disconnect requests", ct => AnswerDisconnectAsync(NatsSubjects.NodeDisconnect(identity.Id), wholeNode: true, ct), logger, stoppingToken));
    }

    private async Task AnswerDisconnectAsync(string subject, bool wholeNode, CancellationToken stoppingToken)
    {
        await foreach (var msg in nats.SubscribeAsync(subject, serializer: DisconnectRequestSerializer, cancellationToken: stoppingToken))
        {
            // Answered one at a time: each waits for its sockets' close handshakes, and admin requests are rare. A body that
            // is not a request selects nothing, even on this node's own subject, where an empty request means every socket.
            var reply = await disconnector.DisconnectAsync(msg.Data ?? new DisconnectRequest(), wholeNode && msg.Data is not null);
            await msg.ReplyAsync(reply, serializer: DisconnectReplySerializer, cancellationToken: stoppingToken);
        }
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
        Message = "Node id '{Node}' cannot name a NATS subject (it holds '.', '*', '>' or whitespace): drain and disconnect by id through the StatsApi are not available; /admin/drain and disconnect by user or topic still are")]
    private partial void LogNoSubject(string node);
}
