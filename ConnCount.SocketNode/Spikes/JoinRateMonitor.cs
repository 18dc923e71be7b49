using System.Diagnostics.Metrics;
using ConnCount.Cluster.Contracts;
using ConnCount.SocketNode.Memberships;
using ConnCount.SocketNode.Node;
using ConnCount.SocketNode.Protection;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace ConnCount.SocketNode.Spikes;

/// <summary>
/// Spike detection: samples the joins per topic and for the node each sample interval, runs a
/// <see cref="SpikeDetector"/> per series, and reports a spike as an event on <see cref="NatsSubjects.SpikeEvents"/>,
/// a warning log and the <c>conncount.spikes</c> metric.
/// </summary>
/// <remarks>
/// Joins are counted where they are counted anyway: each <see cref="TopicEntry"/> counts its joins beside its members
/// (no write of its own on the join path), and a topic's detector lives in its entry. The node's rate is the sum of
/// the topics' rates: an entry is removed only once its connection-time account has retired, two usage periods
/// after its last event, so no join goes unsampled.
/// </remarks>
public sealed class JoinRateMonitor(
    TopicTable topics,
    INatsConnection nats,
    NodeIdentity identity,
    IOptions<SpikeOptions> options,
    IMeterFactory meters,
    TimeProvider time,
    TelemetryTopicNames topicNames,
    ILogger<JoinRateMonitor> logger) : BackgroundService
{
    private static readonly NatsJsonContextSerializer<SpikeEvent> Serializer = new(ClusterJsonContext.Default);

    private readonly Counter<long> _spikes = meters.Create(SocketNodeMetrics.MeterName)
        .CreateCounter<long>("conncount.spikes", unit: "{spike}", description: "Join-rate spikes detected, by scope.");
    private SpikeDetector? _nodeDetector;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        _nodeDetector = NewDetector(seedFromFirstSample: true);
        using var timer = new PeriodicTimer(o.SampleInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await SampleAsync(o.SampleInterval.TotalSeconds, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SampleAsync(double seconds, CancellationToken cancellationToken)
    {
        long nodeJoins = 0;
        var spikes = new List<(string Topic, double Rate, double Baseline)>();
        foreach (var entry in topics.Entries)
        {
            var joins = entry.Joins();
            var sampled = entry.SampledJoins;
            if (joins == sampled && entry.Spikes is null)
            {
                continue;
            }

            Volatile.Write(ref entry.SampledJoins, joins);
            nodeJoins += joins - sampled;
            var rate = (joins - sampled) / seconds;
            var detector = entry.Spikes ??= NewDetector(seedFromFirstSample: false);
            if (detector.Observe(rate))
            {
                spikes.Add((entry.Topic, rate, detector.Baseline));
            }

            if (rate == 0 && detector.Idle)
            {
                // Forget quiet topics: the entry may go once nothing else needs it.
                Volatile.Write(ref entry.Spikes, null);
            }
        }

        var nodeRate = nodeJoins / seconds;
        if (_nodeDetector!.Observe(nodeRate))
        {
            await RaiseAsync("node", null, nodeRate, _nodeDetector.Baseline, cancellationToken);
        }

        foreach (var (topic, rate, baseline) in spikes)
        {
            await RaiseAsync("topic", topic, rate, baseline, cancellationToken);
        }
    }

    private SpikeDetector NewDetector(bool seedFromFirstSample) =>
        new(options.Value.Factor, options.Value.Alpha, options.Value.MinJoinsPerSecond, seedFromFirstSample);

    private async Task RaiseAsync(string scope, string? topic, double rate, double baseline, CancellationToken cancellationToken)
    {
        var spike = new SpikeEvent(scope, identity.Id, topic, Math.Round(rate, 2), Math.Round(baseline, 2), options.Value.Factor, time.GetUtcNow());
        _spikes.Add(1, new KeyValuePair<string, object?>("scope", scope));
        logger.LogWarning("Join-rate spike on {Scope} {Topic}: {Rate}/s against a baseline of {Baseline}/s", scope, topic is null ? identity.Id : topicNames.For(topic), spike.Rate, spike.Baseline);
        try
        {
            await nats.PublishAsync(NatsSubjects.SpikeEvents, spike, serializer: Serializer, cancellationToken: cancellationToken);
        }
        catch (NatsException ex)
        {
            logger.LogWarning(ex, "Could not publish the spike event");
        }
    }
}
