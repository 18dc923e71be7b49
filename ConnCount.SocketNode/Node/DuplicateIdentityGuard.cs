using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Gathering;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace ConnCount.SocketNode.Node;

/// <summary>
/// Refuses to start a node whose id another live process already uses: before this node announces itself or accepts
/// a socket, it asks <see cref="NatsSubjects.NodeIdentity"/> of its own id, and any answer from another epoch stops
/// the start with <see cref="DuplicateNodeIdException"/>. Two processes under one id would each count half the
/// sockets as if it were all of them, and one's goodbye would read as the other's.
/// </summary>
/// <remarks>
/// Registered before every other hosted service of the node, so nothing has announced or answered yet when it runs.
/// When NATS cannot be reached within the check's window the node starts anyway (it counts without NATS); a duplicate
/// that slips in then is still seen by every directory, which warns and answers partial.
/// </remarks>
public sealed class DuplicateIdentityGuard(
    INatsConnection nats,
    NodeIdentity identity,
    IOptions<ClusterOptions> options,
    ILogger<DuplicateIdentityGuard> logger) : IHostedService
{
    private static readonly NatsJsonContextSerializer<NodeAnnouncement> Serializer = new(ClusterJsonContext.Default);
    private static readonly TimeSpan CheckWindow = TimeSpan.FromSeconds(3);

    /// <inheritdoc />
    /// <exception cref="DuplicateNodeIdException">Another live process answers as this node id.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!NodeIds.IsSubjectToken(identity.Id))
        {
            logger.LogWarning("Node id {Node} is not a NATS subject token; not checking that it is unique", identity.Id);
            return;
        }

        // Nobody answering is known at once (no responders); the window only bounds a start without NATS.
        using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        window.CancelAfter(TimeSpan.FromTicks(Math.Max(options.Value.HeartbeatInterval.Ticks * 2, CheckWindow.Ticks)));
        NodeAnnouncement? other;
        try
        {
            await nats.ConnectAsync().AsTask().WaitAsync(window.Token);
            var reply = await nats.RequestAsync<object?, NodeAnnouncement>(
                NatsSubjects.NodeIdentity(identity.Id), null, replySerializer: Serializer, cancellationToken: window.Token);
            other = reply.Data;
        }
        catch (NatsNoRespondersException)
        {
            // Nobody answers as this id: the usual case, and a fast one.
            return;
        }
        catch (Exception ex) when (ex is NatsException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            logger.LogWarning("Could not check that node id {Node} is unique ({Reason}); starting anyway", identity.Id, ex.Message);
            return;
        }

        if (other is { } running && running.Node == identity.Id && running.StartedAt != identity.StartedAt)
        {
            var message = $"Node id '{identity.Id}' is already in use by a live node started at {running.StartedAt:O}; refusing to start a second one. Give every node its own ConnCount:Node:Id.";
            logger.LogCritical("{Message}", message);
            throw new DuplicateNodeIdException(message);
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
