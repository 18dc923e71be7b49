using ConnCount.Cluster.Aggregation;
using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Durable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace ConnCount.Cluster.Gathering;

/// <summary>
/// Asks every node for its usage report over NATS (scatter-gather on <see cref="NatsSubjects.UsageReport"/>)
/// and sums the answers with <see cref="UsageAggregator"/>. Like <see cref="ClusterStatsClient"/>, a gather
/// ends when every node in the <see cref="NodeDirectory"/> has answered, or at
/// <see cref="ClusterOptions.GatherTimeout"/>; callers asking the same query share a gather, but only one whose scatter goes out after they asked (<see cref="SingleFlight{TKey, TResult}"/>).
/// </summary>
public sealed class ClusterUsageClient(
    INatsConnection nats,
    NodeDirectory directory,
    IOptions<ClusterOptions> options,
    TimeProvider time,
    StoredUsageFeed stored,
    ILogger<ClusterUsageClient> logger)
{
    private static readonly NatsJsonContextSerializer<UsageReportRequest> RequestSerializer = new(ClusterJsonContext.Default);
    private static readonly NatsJsonContextSerializer<UsageReport> ReplySerializer = new(ClusterJsonContext.Default);

    private readonly SingleFlight<UsageQuery, UsageStats> _gathers = new();

    /// <summary>The cluster's usage for <paramref name="query"/>; from a gather of that query that starts now, or right after the one under way.</summary>
    /// <exception cref="ClusterUnavailableException">NATS is not connected.</exception>
    public Task<UsageStats> GetAsync(UsageQuery query, CancellationToken cancellationToken = default) =>
        _gathers.RunAsync(query, GatherAsync, cancellationToken);

    private async Task<UsageStats> GatherAsync(UsageQuery query)
    {
        var expected = directory.Snapshot();
        var (replies, _) = await ScatterGather.GatherAsync(
            nats, NatsSubjects.UsageReport, query.ToRequest(), RequestSerializer, ReplySerializer, expected, r => r.Node, options.Value.GatherTimeout, logger);
        var (periodSeconds, periodStart) = UsageAggregator.ClusterPeriod(replies);
        var shares = stored.Enabled && periodStart is { } start
            ? stored.Read(new PeriodId(periodSeconds, start), new PeriodId(periodSeconds, start.AddSeconds(-periodSeconds)))
            : null;
        return UsageAggregator.Aggregate(replies, expected, query.Limit, time.GetUtcNow(), shares, query);
    }
}
