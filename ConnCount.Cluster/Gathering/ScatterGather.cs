using System.Diagnostics;
using ConnCount.Cluster.Aggregation;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;

namespace ConnCount.Cluster.Gathering;

/// <summary>
/// One scatter-gather round over NATS, for any request and reply type: publishes once, collects replies
/// until every awaited node (<see cref="KnownNode.Awaited"/>) has answered, or the timeout. Zero responders is an answer (no replies); a
/// NATS failure is <see cref="ClusterUnavailableException"/>. The stats, usage and disconnect gathers use it, and the
/// presence sync, whose answers may be several messages each.
/// </summary>
public static class ScatterGather
{
    /// <summary>Gathers the replies; a node that answers twice is in the list twice (aggregators keep its last).</summary>
    /// <param name="nodeOf">The answering node of a reply; null or empty marks the reply malformed (skipped, logged).</param>
    /// <param name="isLast">
    /// Whether a reply is its node's last, for answers of several messages: a node has answered once its last reply
    /// arrived, and its earlier ones are kept too. By default every reply is its node's last.
    /// </param>
    public static async Task<(List<TReply> Replies, TimeSpan Elapsed)> GatherAsync<TRequest, TReply>(
        INatsConnection nats,
        string subject,
        TRequest request,
        INatsSerialize<TRequest>? requestSerializer,
        INatsDeserialize<TReply> replySerializer,
        IReadOnlyCollection<KnownNode> expected,
        Func<TReply, string?> nodeOf,
        TimeSpan timeout,
        ILogger logger,
        Func<TReply, bool>? isLast = null)
    {
        if (nats.ConnectionState != NatsConnectionState.Open)
        {
            throw new ClusterUnavailableException($"NATS is not connected (state {nats.ConnectionState}).");
        }

        var started = Stopwatch.GetTimestamp();
        // Lingering nodes are not waited for: they are silent, and the answer names them missing anyway.
        var waitingFor = expected.Where(n => n.Awaited).Select(n => n.Node).ToHashSet(StringComparer.Ordinal);
        var awaited = waitingFor.Count;
        var replies = new List<TReply>(expected.Count);

        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            var replyOpts = new NatsSubOpts { Timeout = timeout };
            await foreach (var msg in nats.RequestManyAsync(
                subject, request, requestSerializer: requestSerializer, replySerializer: replySerializer, replyOpts: replyOpts, cancellationToken: deadline.Token))
            {
                if (msg.Data is not { } reply || nodeOf(reply) is not { Length: > 0 } node)
                {
                    logger.LogWarning("Ignored a malformed reply on {Subject}: {Error}", subject, msg.Error?.Message);
                    continue;
                }

                replies.Add(reply);
                if (isLast?.Invoke(reply) ?? true)
                {
                    waitingFor.Remove(node);
                }

                if (waitingFor.Count == 0 && awaited > 0)
                {
                    break;
                }
            }
        }
        catch (NatsNoRespondersException)
        {
            // Nobody subscribed: a cluster of zero nodes is an answer, not an error.
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            // The timeout ends a gather that still waits for someone; the replies so far stand.
        }
        catch (NatsException ex)
        {
            throw new ClusterUnavailableException($"NATS failed during the gather on {subject}.", ex);
        }

        return (replies, Stopwatch.GetElapsedTime(started));
    }
}
