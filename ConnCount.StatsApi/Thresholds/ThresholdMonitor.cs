using System.Diagnostics.Metrics;
using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Gathering;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace ConnCount.StatsApi.Thresholds;

/// <summary>
/// Evaluates the configured <see cref="ThresholdRule"/>s every <see cref="ThresholdOptions.Interval"/> and
/// reports each crossing as an event on <see cref="NatsSubjects.ThresholdEvents"/>, a log entry and the
/// <c>conncount.thresholds.crossed</c> metric. Runs in the StatsApi, so each crossing is reported once per API replica.
/// </summary>
public sealed class ThresholdMonitor(
    ClusterStatsClient cluster,
    INatsConnection nats,
    IOptions<ThresholdOptions> options,
    IMeterFactory meters,
    ILogger<ThresholdMonitor> logger) : BackgroundService
{
    private static readonly NatsJsonContextSerializer<ThresholdEvent> Serializer = new(ClusterJsonContext.Default);

    private readonly Counter<long> _crossed = meters.Create(ClusterMetrics.MeterName)
        .CreateCounter<long>("conncount.thresholds.crossed", unit: "{crossing}", description: "Threshold crossings, by rule and direction.");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (o.Rules.Count == 0)
        {
            return;
        }

        var tracker = new ThresholdTracker(o.Rules);
        using var timer = new PeriodicTimer(o.Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                ClusterStats stats;
                try
                {
                    stats = await cluster.GetAsync(stoppingToken);
                }
                catch (ClusterUnavailableException)
                {
                    continue;
                }

                foreach (var crossing in tracker.Evaluate(stats))
                {
                    await ReportAsync(crossing, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ReportAsync(ThresholdEvent crossing, CancellationToken cancellationToken)
    {
        _crossed.Add(1, new KeyValuePair<string, object?>("rule", crossing.Rule), new KeyValuePair<string, object?>("direction", crossing.Direction));
        logger.LogWarning("Threshold {Rule} crossed {Direction} on {Scope} {Key}: {Value} (up {Up}, down {Down})",
            crossing.Rule, crossing.Direction, crossing.Scope, crossing.Key, crossing.Value, crossing.Up, crossing.Down);
        try
        {
            await nats.PublishAsync(NatsSubjects.ThresholdEvents, crossing, serializer: Serializer, cancellationToken: cancellationToken);
        }
        catch (NatsException ex)
        {
            logger.LogWarning(ex, "Could not publish the threshold event");
        }
    }
}
