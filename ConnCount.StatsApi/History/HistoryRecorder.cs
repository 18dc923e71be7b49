using ConnCount.Cluster.Aggregation;
using ConnCount.Cluster.Gathering;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace ConnCount.StatsApi.History;

/// <summary>
/// Takes a sample of the cluster at every whole interval (UTC) and stores it in <see cref="HistoryStorage.Stream"/>:
/// the exact gather the REST API answers with, plus the usage gather for churn and tenants. Every StatsApi replica
/// records; the stream keeps one sample per instant. An instant whose gather or write fails is skipped and logged.
/// </summary>
public sealed class HistoryRecorder(
    INatsConnection nats,
    ClusterStatsClient stats,
    ClusterUsageClient usage,
    IOptions<HistoryOptions> options,
    TimeProvider time,
    ILogger<HistoryRecorder> logger) : BackgroundService
{
    private readonly HistoryChurn _churn = new();
    private bool _streamReady;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return;
        }

        var interval = settings.Interval;
        var js = new NatsJSContext(nats);
        try
        {
            // The stream exists from the start, so an operator finds it before the first sample; if JetStream is not
            // there yet, the first sample tries again.
            await EnsureStreamAsync(js, settings, stoppingToken);
            while (true)
            {
                var at = NextInstant(time.GetUtcNow(), interval);
                await Task.Delay(at - time.GetUtcNow(), time, stoppingToken);
                await RecordAsync(js, at, settings, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The first whole interval (since the Unix epoch) after <paramref name="now"/>.</summary>
    public static DateTimeOffset NextInstant(DateTimeOffset now, TimeSpan interval)
    {
        var ticks = interval.Ticks;
        var sinceEpoch = (now - DateTimeOffset.UnixEpoch).Ticks;
        return DateTimeOffset.UnixEpoch.AddTicks(((sinceEpoch / ticks) + 1) * ticks);
    }

    private async Task EnsureStreamAsync(INatsJSContext js, HistoryOptions settings, CancellationToken stoppingToken)
    {
        try
        {
            await HistoryStorage.EnsureStreamAsync(js, settings, stoppingToken);
            _streamReady = true;
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException && !stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Could not create the history stream yet: {Reason}", ex.Message);
        }
    }

    private async Task RecordAsync(INatsJSContext js, DateTimeOffset at, HistoryOptions settings, CancellationToken stoppingToken)
    {
        try
        {
            var cluster = await stats.GetAsync(stoppingToken);
            var report = await usage.GetAsync(UsageQuery.Default, stoppingToken);
            var churn = _churn.Measure(at, settings.Interval, report.Nodes);
            var tenants = report.Tenants
                .Where(t => t.Value.Open > 0)
                .OrderByDescending(t => t.Value.Open)
                .ThenBy(t => t.Key, StringComparer.Ordinal)
                .ToList();
            var sample = new HistorySample(
                at,
                (long)settings.Interval.TotalSeconds,
                cluster.TotalSockets,
                cluster.TotalConnections,
                cluster.ClusterSize,
                cluster.MissingNodes,
                cluster.Partial || report.Partial,
                churn.Joins,
                churn.Leaves,
                churn.Exact,
                churn.Since,
                tenants.Take(settings.MaxTenants).ToDictionary(t => t.Key, t => t.Value.Open, StringComparer.Ordinal),
                tenants.Count > settings.MaxTenants || report.TenantsTruncated);

            if (!_streamReady)
            {
                await HistoryStorage.EnsureStreamAsync(js, settings, stoppingToken);
                _streamReady = true;
            }

            var ack = await js.PublishAsync(
                HistoryStorage.Subject, sample, HistoryStorage.Serializer, new NatsJSPubOpts { MsgId = HistoryStorage.MessageId(at) }, cancellationToken: stoppingToken);
            ack.EnsureSuccess();
            _churn.Accept(churn);
            logger.LogDebug(
                "History sample at {At:o}: {Sockets} sockets, {Memberships} memberships, {Joins} joins, {Leaves} leaves (exact: {Exact}), {Nodes} nodes{Duplicate}",
                at, sample.Sockets, sample.Memberships, churn.Joins, churn.Leaves, churn.Exact, sample.Nodes, ack.Duplicate ? ", already stored" : "");
        }
        catch (Exception ex) when (ex is ClusterUnavailableException or NatsException or TimeoutException && !stoppingToken.IsCancellationRequested)
        {
            _streamReady = false;
            logger.LogWarning(ex, "Skipped the history sample at {At:o}: {Reason}", at, ex.Message);
        }
    }
}
