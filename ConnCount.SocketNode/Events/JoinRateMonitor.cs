using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using ConnCount.Cluster.Contracts;
using ConnCount.SocketNode.Node;
using ConnCount.SocketNode.Protection;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace ConnCount.SocketNode.Events;

/// <summary>
/// Counts joins per topic and for the node each sample interval, runs a <see cref="SpikeDetector"/> per
/// series, and reports a spike as an event on <see cref="NatsSubjects.SpikeEvents"/>, a warning log and the
/// <c>conncount.spikes</c> metric.
/// </summary>
public sealed class JoinRateMonitor(
    INatsConnection nats,
    NodeIdentity identity,
    IOptions<SpikeOptions> options,
    IMeterFactory meters,
    TimeProvider time,
    TelemetryTopicNames topicNames,
    ILogger<JoinRateMonitor> logger) : BackgroundService
{
    private static readonly NatsJsonContextSerializer<SpikeEvent> Serializer = new(ClusterJsonContext.Default);

    private readonly ConcurrentDictionary<string, StrongBox<long>> _topicJoins = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SpikeDetector> _topicDetectors = new(StringComparer.Ordinal);
    private readonly Counter<long> _spikes = meters.Create(SocketNodeMetrics.MeterName)
        .CreateCounter<long>("conncount.spikes", unit: "{spike}", description: "Join-rate spikes detected, by scope.");
    private SpikeDetector? _nodeDetector;
    private long _nodeJoins;

    /// <summary>Counts one accepted join.</summary>
    public void RecordJoin(string topic)
    {
        Interlocked.Increment(ref _nodeJoins);
        Interlocked.Increment(ref _topicJoins.GetOrAdd(topic, static _ => new StrongBox<long>()).Value);
    }

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
        var nodeRate = Interlocked.Exchange(ref _nodeJoins, 0) / seconds;
        if (_nodeDetector!.Observe(nodeRate))
        {
            await RaiseAsync("node", null, nodeRate, _nodeDetector.Baseline, cancellationToken);
        }

        foreach (var (topic, box) in _topicJoins)
        {
            var rate = Interlocked.Exchange(ref box.Value, 0) / seconds;
            if (!_topicDetectors.TryGetValue(topic, out var detector))
            {
                _topicDetectors[topic] = detector = NewDetector(seedFromFirstSample: false);
            }

            if (detector.Observe(rate))
            {
                await RaiseAsync("topic", topic, rate, detector.Baseline, cancellationToken);
            }

            if (rate == 0 && detector.Idle)
            {
                // Forget quiet topics; a join racing this removal only costs one sample of one series.
                _topicJoins.TryRemove(KeyValuePair.Create(topic, box));
                _topicDetectors.Remove(topic);
            }
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
