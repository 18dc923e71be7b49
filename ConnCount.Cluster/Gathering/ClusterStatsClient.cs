using ConnCount.Cluster.Aggregation;
using ConnCount.Cluster.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace ConnCount.Cluster.Gathering;

/// <summary>
/// Asks every node for its stats over NATS (scatter-gather) and aggregates the answers. A gather ends
/// as soon as every node in the <see cref="NodeDirectory"/> has answered, or at
/// <see cref="ClusterOptions.GatherTimeout"/>. Callers share gathers, so a thousand pollers cost one scatter per
/// gather's length, but a caller shares only a gather whose scatter goes out after it arrived
/// (<see cref="SingleFlight{TKey, TResult}"/>): every answer reflects every join and leave acknowledged before it was asked.
/// </summary>
public sealed class ClusterStatsClient(
    INatsConnection nats,
    NodeDirectory directory,
    IOptions<ClusterOptions> options,
    TimeProvider time,
    ILogger<ClusterStatsClient> logger)
{
    private static readonly NatsJsonContextSerializer<NodeStats> ReplySerializer = new(ClusterJsonContext.Default);

    private readonly SingleFlight<string, ClusterStats> _gathers = new(StringComparer.Ordinal);

    /// <summary>The cluster's stats from a gather that starts now, or right after the one under way.</summary>
    /// <exception cref="ClusterUnavailableException">NATS is not connected.</exception>
    public Task<ClusterStats> GetAsync(CancellationToken cancellationToken = default) =>
        _gathers.RunAsync(NatsSubjects.Stats, _ => GatherAsync(), cancellationToken);

    private async Task<ClusterStats> GatherAsync()
    {
        var expected = directory.Snapshot();
        var (replies, elapsed) = await ScatterGather.GatherAsync(
            nats, NatsSubjects.Stats, (object?)null, null, ReplySerializer, expected, s => s.Node, options.Value.GatherTimeout, logger,
            resumeOnReplyThread: options.Value.ResumeStatsOnReadLoop);
        foreach (var reply in replies)
        {
            directory.Observe(reply);
        }

        var result = ClusterAggregator.Aggregate(replies, expected, time.GetUtcNow());
        ClusterMetrics.RecordGather(elapsed, result.MissingNodes.Count);
        return result;
    }
}
