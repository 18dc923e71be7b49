using System.Diagnostics;
using ConnCount.Cluster.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace ConnCount.Cluster;

/// <summary>
/// Asks every node for its stats over NATS (scatter-gather) and aggregates the answers. A gather ends
/// as soon as every node in the <see cref="NodeDirectory"/> has answered, or at
/// <see cref="ClusterOptions.GatherTimeout"/>. Callers that arrive while a gather is running share it,
/// so a thousand pollers cost one scatter.
/// </summary>
public sealed class ClusterStatsClient(
    INatsConnection nats,
    NodeDirectory directory,
    IOptions<ClusterOptions> options,
    TimeProvider time,
    ILogger<ClusterStatsClient> logger)
{
    private static readonly NatsJsonContextSerializer<NodeStats> ReplySerializer = new(ClusterJsonContext.Default);

    private readonly Lock _gate = new();
    private Task<ClusterStats>? _inFlight;

    /// <summary>The cluster's stats; joins a gather already under way rather than starting another.</summary>
    /// <exception cref="ClusterUnavailableException">NATS is not connected.</exception>
    public Task<ClusterStats> GetAsync(CancellationToken cancellationToken = default)
    {
        Task<ClusterStats> gather;
        lock (_gate)
        {
            gather = _inFlight ??= GatherSharedAsync();
        }

        return gather.WaitAsync(cancellationToken);
    }

    private async Task<ClusterStats> GatherSharedAsync()
    {
        // Leave the lock before any work so the finally below never runs ahead of the assignment.
        await Task.Yield();
        try
        {
            return await GatherAsync();
        }
        finally
        {
            lock (_gate)
            {
                _inFlight = null;
            }
        }
    }

    private async Task<ClusterStats> GatherAsync()
    {
        if (nats.ConnectionState != NatsConnectionState.Open)
        {
            throw new ClusterUnavailableException($"NATS is not connected (state {nats.ConnectionState}).");
        }

        var started = Stopwatch.GetTimestamp();
        var expected = directory.Snapshot();
        var waitingFor = expected.Select(n => n.Node).ToHashSet(StringComparer.Ordinal);
        var replies = new List<NodeStats>(expected.Count);
        var timeout = options.Value.GatherTimeout;

        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            var replyOpts = new NatsSubOpts { Timeout = timeout };
            await foreach (var msg in nats.RequestManyAsync<object?, NodeStats>(
                NatsSubjects.Stats, data: null, replySerializer: ReplySerializer, replyOpts: replyOpts, cancellationToken: deadline.Token))
            {
                if (msg.Data is not { Node.Length: > 0 } stats)
                {
                    logger.LogWarning("Ignored a malformed stats reply: {Error}", msg.Error?.Message);
                    continue;
                }

                replies.Add(stats);
                directory.Observe(stats);
                waitingFor.Remove(stats.Node);
                if (waitingFor.Count == 0 && expected.Count > 0)
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
            throw new ClusterUnavailableException("NATS failed during the gather.", ex);
        }

        var result = ClusterAggregator.Aggregate(replies, expected, time.GetUtcNow());
        ClusterMetrics.RecordGather(Stopwatch.GetElapsedTime(started), result.MissingNodes.Count);
        return result;
    }
}
