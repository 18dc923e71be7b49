using ConnCount.Cluster.Aggregation;
using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Gathering;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace ConnCount.Cluster.Durable;

/// <summary>
/// Reads every usage record in the <see cref="UsageStorage.RecordsStream"/> stream, from its start and then as they
/// come, into a <see cref="StoredUsage"/>: what earlier and stopped node incarnations stored for the open periods.
/// The usage answers add those to the live nodes' figures; the StatsApi closes periods from it.
/// </summary>
public sealed class StoredUsageFeed(
    INatsConnection nats,
    IOptions<DurableUsageOptions> options,
    ILogger<StoredUsageFeed> logger) : BackgroundService
{
    private static readonly NatsJsonContextSerializer<UsageRecord> Serializer = new(ClusterJsonContext.Default);

    private readonly StoredUsage _stored = new();
    private volatile bool _caughtUp;

    /// <summary>Whether durable usage is on.</summary>
    public bool Enabled => options.Value.Enabled;

    /// <summary>Whether every record that was in the stream when reading began has been applied.</summary>
    public bool CaughtUp => _caughtUp;

    /// <summary>Copies of the stored shares of two periods, per incarnation, for one usage answer.</summary>
    public IReadOnlyList<StoredIncarnationUsage> Read(PeriodId current, PeriodId previous)
    {
        lock (_stored)
        {
            var now = _stored.SharesOf(current);
            var before = _stored.SharesOf(previous);
            return [.. now.Keys.Union(before.Keys).Select(i => new StoredIncarnationUsage(
                i,
                _stored.ThroughOf(i),
                now.TryGetValue(i, out var c) ? Copy(c) : null,
                before.TryGetValue(i, out var p) ? Copy(p) : null))];
        }
    }

    /// <summary>Runs <paramref name="action"/> on the stored usage under its lock (the period closer's view).</summary>
    public T WithStored<T>(Func<StoredUsage, T> action)
    {
        lock (_stored)
        {
            return action(_stored);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        await Task.Yield();
        await NatsLoop.KeepRunningAsync("read usage records", ReadAsync, logger, stoppingToken);
    }

    private async Task ReadAsync(CancellationToken stoppingToken)
    {
        var js = new NatsJSContext(nats);
        await UsageStorage.EnsureRecordsStreamAsync(js, options.Value, stoppingToken);
        var periods = await UsageStorage.EnsurePeriodsBucketAsync(js, stoppingToken);
        await foreach (var key in periods.GetKeysAsync(cancellationToken: stoppingToken))
        {
            if (UsageStorage.TryParsePeriodKey(key, out var closed))
            {
                lock (_stored)
                {
                    _stored.MarkClosed(closed);
                }
            }
        }

        var stream = await js.GetStreamAsync(UsageStorage.RecordsStream, cancellationToken: stoppingToken);
        var last = stream.Info.State.LastSeq;
        _caughtUp = stream.Info.State.Messages == 0;

        // A replay after a failure applies nothing twice: StoredUsage drops what it has seen.
        var consumer = await js.CreateOrderedConsumerAsync(
            UsageStorage.RecordsStream, new NatsJSOrderedConsumerOpts { DeliverPolicy = ConsumerConfigDeliverPolicy.All }, stoppingToken);
        await foreach (var msg in consumer.ConsumeAsync(Serializer, cancellationToken: stoppingToken))
        {
            if (msg.Data is { } record)
            {
                lock (_stored)
                {
                    _stored.Apply(record);
                }
            }
            else
            {
                logger.LogWarning("Skipped a usage record that does not parse (stream sequence {Sequence})", msg.Metadata?.Sequence.Stream);
            }

            if (!_caughtUp && msg.Metadata is { } metadata && (metadata.Sequence.Stream >= last || metadata.NumPending == 0))
            {
                _caughtUp = true;
                logger.LogInformation("Read back the stored usage records ({Open} open periods)", _stored.OpenPeriods.Count);
            }
        }
    }

    private static StoredShareCopy Copy(StoredShare share) =>
        new(share.ConnectionMs, new Dictionary<string, long>(share.Topics, StringComparer.Ordinal), new Dictionary<string, long>(share.Tenants, StringComparer.Ordinal));
}

/// <summary>What one incarnation stored for the current and the previous period.</summary>
/// <param name="Through">Up to when it has stored everything.</param>
public sealed record StoredIncarnationUsage(Incarnation Incarnation, DateTimeOffset? Through, StoredShareCopy? Current, StoredShareCopy? Previous);

/// <summary>A copy of a <see cref="StoredShare"/>.</summary>
public sealed record StoredShareCopy(long ConnectionMs, IReadOnlyDictionary<string, long> Topics, IReadOnlyDictionary<string, long> Tenants);
