using ConnCount.Cluster.Aggregation;
using ConnCount.Cluster.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace ConnCount.Cluster.Gathering;

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
    /// <remarks>
    /// The caller that starts a gather runs it itself, with no thread hop before the scatter goes out; callers
    /// that join it wait on a shared task whose continuations run on the thread pool, so the one thread that
    /// receives the last reply is not made to finish every joined request.
    /// </remarks>
    public Task<ClusterStats> GetAsync(CancellationToken cancellationToken = default)
    {
        TaskCompletionSource<ClusterStats>? started = null;
        Task<ClusterStats> shared;
        lock (_gate)
        {
            if (_inFlight is null)
            {
                started = new TaskCompletionSource<ClusterStats>(TaskCreationOptions.RunContinuationsAsynchronously);
                _inFlight = started.Task;
            }

            shared = _inFlight;
        }

        return started is null
            ? shared.WaitAsync(cancellationToken)
            : GatherSharedAsync(started).WaitAsync(cancellationToken);
    }

    /// <summary>Runs one gather for everyone who joins it; once it ends, the next caller starts a new one.</summary>
    private async Task<ClusterStats> GatherSharedAsync(TaskCompletionSource<ClusterStats> shared)
    {
        try
        {
            var result = await GatherAsync();
            EndShared();
            shared.SetResult(result);
            return result;
        }
        catch (Exception ex)
        {
            EndShared();
            shared.SetException(ex);
            // Marked observed: when no other caller joined, the starter's own rethrow is the one that reports it.
            _ = shared.Task.Exception;
            throw;
        }
    }

    private void EndShared()
    {
        lock (_gate)
        {
            _inFlight = null;
        }
    }

    private async Task<ClusterStats> GatherAsync()
    {
        var expected = directory.Snapshot();
        var (replies, elapsed) = await ScatterGather.GatherAsync(
            nats, NatsSubjects.Stats, (object?)null, null, ReplySerializer, expected, s => s.Node, options.Value.GatherTimeout, logger);
        foreach (var reply in replies)
        {
            directory.Observe(reply);
        }

        var result = ClusterAggregator.Aggregate(replies, expected, time.GetUtcNow());
        ClusterMetrics.RecordGather(elapsed, result.MissingNodes.Count);
        return result;
    }
}
