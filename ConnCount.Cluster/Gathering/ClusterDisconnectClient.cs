using ConnCount.Cluster.Aggregation;
using ConnCount.Cluster.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace ConnCount.Cluster.Gathering;

/// <summary>
/// Has the nodes close sockets for an admin: those of a user or a topic on every node (scatter-gather on
/// <see cref="NatsSubjects.Disconnect"/>, ended once every node the <see cref="NodeDirectory"/> waits for has answered),
/// or every socket of one node (a request on <see cref="NatsSubjects.NodeDisconnect"/>, answered by that node alone).
/// </summary>
/// <remarks>
/// Nodes answer once their matching sockets are gone, which takes up to their close grace, so both wait up to
/// <see cref="ClusterOptions.AdminTimeout"/> rather than a gather's timeout. The nodes trust the request because it came
/// over NATS (see <see cref="NodeAdminClient"/>).
/// </remarks>
public sealed class ClusterDisconnectClient(
    INatsConnection nats,
    NodeDirectory directory,
    IOptions<ClusterOptions> options,
    ILogger<ClusterDisconnectClient> logger)
{
    private static readonly NatsJsonContextSerializer<DisconnectRequest> RequestSerializer = new(ClusterJsonContext.Default);
    private static readonly NatsJsonContextSerializer<DisconnectReply> ReplySerializer = new(ClusterJsonContext.Default);

    /// <summary>Closes every socket of <paramref name="user"/> on every node.</summary>
    /// <exception cref="ClusterUnavailableException">NATS is not connected, or failed during the gather.</exception>
    public Task<DisconnectResult> DisconnectUserAsync(string user) =>
        DisconnectEverywhereAsync("user", user, new DisconnectRequest(User: user));

    /// <summary>Closes every socket holding a membership of <paramref name="topic"/> on every node.</summary>
    /// <inheritdoc cref="DisconnectUserAsync" path="/exception"/>
    public Task<DisconnectResult> DisconnectTopicAsync(string topic) =>
        DisconnectEverywhereAsync("topic", topic, new DisconnectRequest(Topic: topic));

    /// <summary>Closes every socket of node <paramref name="nodeId"/>; it keeps accepting new ones (drain refuses them).</summary>
    /// <returns>The result, or the outcome <see cref="NodeAdminOutcome.UnknownNode"/> or <see cref="NodeAdminOutcome.NoAnswer"/> without one.</returns>
    /// <exception cref="ArgumentException"><paramref name="nodeId"/> is not a <see cref="NodeIds.IsSubjectToken">subject token</see>.</exception>
    /// <exception cref="ClusterUnavailableException">NATS is not connected, or failed during the request.</exception>
    public async Task<(NodeAdminOutcome Outcome, DisconnectResult? Result)> DisconnectNodeAsync(string nodeId, CancellationToken cancellationToken = default)
    {
        var subject = NatsSubjects.NodeDisconnect(nodeId);
        if (nats.ConnectionState != NatsConnectionState.Open)
        {
            throw new ClusterUnavailableException($"NATS is not connected (state {nats.ConnectionState}).");
        }

        try
        {
            var reply = await nats.RequestAsync<DisconnectRequest, DisconnectReply>(
                subject,
                new DisconnectRequest(),
                requestSerializer: RequestSerializer,
                replySerializer: ReplySerializer,
                replyOpts: new NatsSubOpts { Timeout = options.Value.AdminTimeout, ThrowIfNoResponders = true },
                cancellationToken: cancellationToken);
            return reply.Data is { } answer && answer.Node == nodeId
                ? (NodeAdminOutcome.Done, Summarize("node", nodeId, [answer], []))
                : throw new ClusterUnavailableException($"Node '{nodeId}' sent an answer that is not its disconnect reply.");
        }
        catch (NatsNoRespondersException)
        {
            // Nobody subscribes to that node's subject: no node of that id is connected to NATS.
            return (NodeAdminOutcome.UnknownNode, null);
        }
        catch (NatsNoReplyException)
        {
            return (NodeAdminOutcome.NoAnswer, null);
        }
        catch (NatsException ex)
        {
            throw new ClusterUnavailableException($"NATS failed during the request on {subject}.", ex);
        }
    }

    /// <summary>
    /// The cluster's answer from the nodes' replies: each answering node's count (its last reply, should it answer
    /// twice), their sum, and the <paramref name="expected"/> nodes that did not answer, by id.
    /// </summary>
    internal static DisconnectResult Summarize(string by, string value, IEnumerable<DisconnectReply> replies, IEnumerable<KnownNode> expected)
    {
        var nodes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var reply in replies)
        {
            nodes[reply.Node] = reply.SocketsClosed;
        }

        var missing = expected.Select(n => n.Node).Where(n => !nodes.ContainsKey(n)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return new DisconnectResult(by, value, nodes.Values.Sum(), nodes, missing.Count > 0, missing);
    }

    private async Task<DisconnectResult> DisconnectEverywhereAsync(string by, string value, DisconnectRequest request)
    {
        var expected = directory.Snapshot();
        var (replies, _) = await ScatterGather.GatherAsync(
            nats, NatsSubjects.Disconnect, request, RequestSerializer, ReplySerializer, expected, r => r.Node, options.Value.AdminTimeout, logger);
        return Summarize(by, value, replies, expected);
    }
}
