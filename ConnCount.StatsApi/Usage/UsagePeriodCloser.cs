using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Durable;
using ConnCount.Cluster.Gathering;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace ConnCount.StatsApi.Usage;

/// <summary>
/// Closes usage periods: once a period can no longer change (<see cref="StoredUsage.CanClose"/>), writes its
/// <see cref="UsagePeriodRecord"/> chunks to the <see cref="UsageStorage.PeriodsBucket"/> bucket with create-only
/// writes, so however many StatsApi replicas run, each key is written once and never changed.
/// </summary>
public sealed class UsagePeriodCloser(
    INatsConnection nats,
    StoredUsageFeed feed,
    NodeDirectory directory,
    IOptions<DurableUsageOptions> options,
    IOptions<ClusterOptions> cluster,
    TimeProvider time,
    ILogger<UsagePeriodCloser> logger) : BackgroundService
{
    private static readonly NatsJsonContextSerializer<UsagePeriodRecord> Serializer = new(ClusterJsonContext.Default);
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        // The directory must have heard every live node before "every incarnation it knows" means anything.
        await Task.Delay(cluster.Value.NodeExpiry, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await NatsLoop.KeepRunningAsync("close usage periods", CloseLoopAsync, logger, stoppingToken);
    }

    private async Task CloseLoopAsync(CancellationToken stoppingToken)
    {
        var bucket = await UsageStorage.EnsurePeriodsBucketAsync(new NatsJSContext(nats), stoppingToken);
        using var timer = new PeriodicTimer(CheckInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (!feed.CaughtUp || nats.ConnectionState != NatsConnectionState.Open)
            {
                continue;
            }

            var known = directory.Snapshot();
            var now = time.GetUtcNow();
            var maxChunkBytes = UsageChunks.MaxChunkBytes(nats.ServerInfo?.MaxPayload);
            var ready = feed.WithStored(stored => stored.OpenPeriods
                .Where(p => stored.CanClose(p, known, now, options.Value.CloseGrace))
                .OrderBy(p => p.Start)
                .Select(p => (Period: p, Records: stored.Close(p, now, maxChunkBytes)))
                .ToList());
            foreach (var (period, records) in ready)
            {
                await WriteAsync(bucket, records, stoppingToken);
                feed.WithStored(stored =>
                {
                    stored.MarkClosed(period);
                    return 0;
                });
                logger.LogInformation(
                    "Closed usage period {Start:o} ({Seconds} s): {Ms} connection-ms over {Incarnations} node incarnations",
                    period.Start, period.PeriodSeconds, records[0].ConnectionMs, records[0].Incarnations);
            }
        }
    }

    private static async Task WriteAsync(INatsKVStore bucket, IReadOnlyList<UsagePeriodRecord> records, CancellationToken cancellationToken)
    {
        // The first chunk last: a reader takes a period only when all its chunks are there.
        foreach (var record in records.OrderByDescending(r => r.Chunk))
        {
            try
            {
                await bucket.CreateAsync(UsageStorage.PeriodKey(record.PeriodSeconds, record.PeriodStart, record.Chunk), record, Serializer, cancellationToken);
            }
            catch (NatsKVCreateException)
            {
                // Another StatsApi closed it first, from the same records: its entry stands.
            }
        }
    }
}
