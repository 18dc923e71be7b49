using ConnCount.Cluster.Contracts;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace ConnCount.Cluster.Gathering;

/// <summary>
/// Drains or resumes one node by its id: a NATS request on that node's own subject
/// (<see cref="NatsSubjects.NodeDrain"/>, <see cref="NatsSubjects.NodeResume"/>), answered by that node alone.
/// </summary>
/// <remarks>
/// The node trusts the request because it arrived over NATS, which requires credentials wherever ConnCount runs
/// (the AppHost always sets them); whoever may publish on NATS may already answer gathers for the cluster.
/// </remarks>
public sealed class NodeAdminClient(INatsConnection nats, IOptions<ClusterOptions> options)
{
    private static readonly NatsJsonContextSerializer<DrainStatus> ReplySerializer = new(ClusterJsonContext.Default);

    /// <summary>Asks <paramref name="nodeId"/> to drain: refuse new sockets and close its open ones with 1001.</summary>
    /// <returns>The node's answer; <see cref="NodeAdminOutcome.UnknownNode"/> when no node has that id.</returns>
    /// <exception cref="ArgumentException"><paramref name="nodeId"/> is not a <see cref="NodeIds.IsSubjectToken">subject token</see>.</exception>
    /// <exception cref="ClusterUnavailableException">NATS is not connected, or failed during the request.</exception>
    public Task<NodeAdminReply> DrainAsync(string nodeId, CancellationToken cancellationToken = default) =>
        SendAsync(nodeId, NatsSubjects.NodeDrain(nodeId), cancellationToken);

    /// <summary>Asks <paramref name="nodeId"/> to accept sockets again.</summary>
    /// <inheritdoc cref="DrainAsync" path="/returns"/>
    /// <inheritdoc cref="DrainAsync" path="/exception"/>
    public Task<NodeAdminReply> ResumeAsync(string nodeId, CancellationToken cancellationToken = default) =>
        SendAsync(nodeId, NatsSubjects.NodeResume(nodeId), cancellationToken);

    private async Task<NodeAdminReply> SendAsync(string nodeId, string subject, CancellationToken cancellationToken)
    {
        if (nats.ConnectionState != NatsConnectionState.Open)
        {
            throw new ClusterUnavailableException($"NATS is not connected (state {nats.ConnectionState}).");
        }

        // The whole request, publish included, within the admin timeout: NATS lost but not yet noticed would
        // otherwise hold the publish for the client's command timeout (a minute).
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Value.AdminTimeout);
        try
        {
            var reply = await nats.RequestAsync<object?, DrainStatus>(
                subject,
                null,
                replySerializer: ReplySerializer,
                replyOpts: new NatsSubOpts { Timeout = options.Value.AdminTimeout, ThrowIfNoResponders = true },
                cancellationToken: deadline.Token);
            return reply.Data is { } status && status.Node == nodeId
                ? new NodeAdminReply(NodeAdminOutcome.Done, status)
                : throw new ClusterUnavailableException($"Node '{nodeId}' sent an answer that is not its drain status.");
        }
        catch (NatsNoRespondersException)
        {
            // Nobody subscribes to that node's subject: no node of that id is connected to NATS.
            return new NodeAdminReply(NodeAdminOutcome.UnknownNode, null);
        }
        catch (NatsNoReplyException)
        {
            return new NodeAdminReply(NodeAdminOutcome.NoAnswer, null);
        }
        catch (NatsException ex)
        {
            throw new ClusterUnavailableException($"NATS failed during the request on {subject}.", ex);
        }
        catch (OperationCanceledException ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ClusterUnavailableException($"NATS did not take the request on {subject} within {options.Value.AdminTimeout}.", ex);
        }
    }
}
