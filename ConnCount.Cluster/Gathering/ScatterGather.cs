using System.Buffers;
using System.Diagnostics;
using ConnCount.Cluster.Aggregation;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;

namespace ConnCount.Cluster.Gathering;

/// <summary>
/// One scatter-gather round over NATS, for any request and reply type: publishes once, collects replies
/// until every awaited node (<see cref="KnownNode.Awaited"/>) has answered, or the timeout. Zero responders is an answer (no replies); a
/// NATS failure is <see cref="ClusterUnavailableException"/>. The stats, usage and disconnect gathers use it, and the
/// presence sync, whose answers may be several messages each. Replies come through the connection's
/// <see cref="GatherInbox"/> and are read where they arrive, so a gather's caller resumes once, when it is done.
/// </summary>
public static class ScatterGather
{
    /// <summary>Gathers the replies; a node that answers twice is in the list twice (aggregators keep its last).</summary>
    /// <param name="nodeOf">The answering node of a reply; null or empty marks the reply malformed (skipped, logged).</param>
    /// <param name="isLast">
    /// Whether a reply is its node's last, for answers of several messages: a node has answered once its last reply
    /// arrived, and its earlier ones are kept too. By default every reply is its node's last.
    /// </param>
    /// <param name="resumeOnReplyThread">
    /// Whether the caller resumes on the thread that read the last reply (NATS.Net's read loop) instead of the thread
    /// pool. Only for a caller whose work after the gather is short and never blocks: until it next awaits, no other
    /// message on the connection is read. The stats gather uses it; see the remarks of <see cref="GatherInbox"/>.
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
        Func<TReply, bool>? isLast = null,
        bool resumeOnReplyThread = false)
    {
        if (nats.ConnectionState != NatsConnectionState.Open)
        {
            throw new ClusterUnavailableException($"NATS is not connected (state {nats.ConnectionState}).");
        }

        var started = Stopwatch.GetTimestamp();
        // Lingering nodes are not waited for: they are silent, and the answer names them missing anyway.
        var waitingFor = expected.Where(n => n.Awaited).Select(n => n.Node).ToHashSet(StringComparer.Ordinal);
        var collector = new Collector<TReply>(replySerializer, waitingFor, nodeOf, isLast, logger, expected.Count, resumeOnReplyThread);
        var inbox = GatherInbox.Of(nats);
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await inbox.SubscribedAsync().WaitAsync(deadline.Token);
            using var lease = inbox.Open(collector);
            await nats.PublishAsync(subject, request, replyTo: lease.Subject, serializer: requestSerializer, cancellationToken: deadline.Token);
            await collector.Done.WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            // The timeout ends a gather that still waits for someone; the replies so far stand.
        }
        catch (NatsException ex)
        {
            throw new ClusterUnavailableException($"NATS failed during the gather on {subject}.", ex);
        }

        var replies = collector.Close();
        return (replies, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// One gather's replies as they are read: done once every awaited node has given its last reply, or at once when
    /// NATS says nobody listens on the subject (a cluster of zero nodes is an answer, not an error).
    /// </summary>
    private sealed class Collector<TReply>(
        INatsDeserialize<TReply> serializer,
        HashSet<string> waitingFor,
        Func<TReply, string?> nodeOf,
        Func<TReply, bool>? isLast,
        ILogger logger,
        int capacity,
        bool resumeOnReplyThread) : GatherInbox.IReplySink
    {
        private readonly Lock _gate = new();
        private readonly List<TReply> _replies = new(capacity);
        private readonly TaskCompletionSource _done = new(
            resumeOnReplyThread ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly bool _awaitsSomeone = waitingFor.Count > 0;
        private bool _closed;

        /// <summary>Completes when every awaited node is done, or nobody listens.</summary>
        public Task Done => _done.Task;

        public void Receive(string subject, ReadOnlySequence<byte>? headers, ReadOnlySequence<byte> payload)
        {
            if (GatherInbox.IsNoResponders(headers, payload))
            {
                _done.TrySetResult();
                return;
            }

            // Only the payload is read: a reply's headers carry nothing but trace context, and building a NatsMsg
            // would start a receive span that nothing ends.
            TReply? reply;
            string? error = null;
            try
            {
                reply = serializer.Deserialize(payload);
            }
            catch (Exception ex)
            {
                (reply, error) = (default, ex.Message);
            }

            if (reply is null || nodeOf(reply) is not { Length: > 0 } node)
            {
                logger.LogWarning("Ignored a malformed reply on {Subject}: {Error}", subject, error);
                return;
            }

            bool done;
            lock (_gate)
            {
                if (_closed)
                {
                    return;
                }

                _replies.Add(reply);
                if (isLast?.Invoke(reply) ?? true)
                {
                    waitingFor.Remove(node);
                }

                done = waitingFor.Count == 0 && _awaitsSomeone;
            }

            // Outside the lock: a caller that resumes on this thread must not do its work holding it.
            if (done)
            {
                _done.TrySetResult();
            }
        }

        /// <summary>The replies so far; later ones are dropped.</summary>
        public List<TReply> Close()
        {
            lock (_gate)
            {
                _closed = true;
                return _replies;
            }
        }
    }
}
