using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Durable;
using ConnCount.SocketNode.Node;
using ConnCount.SocketNode.Sockets;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace ConnCount.SocketNode.Usage;

/// <summary>
/// Writes this node's connection time to JetStream: every flush interval one <see cref="UsageRecord"/> (in as many
/// messages as the payload limit needs) with what each period gained per topic and tenant, and a last one when the
/// node stops. While JetStream cannot be written, counting goes on and the figures wait in memory (bounded by
/// <see cref="DurableUsageOptions.MaxBufferedEntries"/>) until it can.
/// </summary>
public sealed class UsageRecorder : BackgroundService
{
    private static readonly NatsJsonContextSerializer<UsageRecord> Serializer = new(ClusterJsonContext.Default);
    private static readonly TimeSpan FinalWriteTimeout = TimeSpan.FromSeconds(5);

    private readonly INatsConnection _nats;
    private readonly UsageLedger _ledger;
    private readonly OpenSockets _sockets;
    private readonly NodeIdentity _identity;
    private readonly DurableUsageOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<UsageRecorder> _logger;
    private readonly UsageDeltas _deltas;
    private readonly long _periodSeconds;
    private readonly TimeSpan _interval;
    private readonly SemaphoreSlim _observed = new(0);
    private NatsJSContext? _js;
    private bool _streamReady, _failing;

    public UsageRecorder(
        INatsConnection nats,
        UsageLedger ledger,
        OpenSockets sockets,
        NodeIdentity identity,
        IOptions<UsageOptions> usage,
        IOptions<DurableUsageOptions> options,
        TimeProvider time,
        ILogger<UsageRecorder> logger)
    {
        _nats = nats;
        _ledger = ledger;
        _sockets = sockets;
        _identity = identity;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _periodSeconds = (long)usage.Value.Period.TotalSeconds;
        _interval = _options.EffectiveFlushInterval(usage.Value.Period);
        _deltas = new UsageDeltas((long)usage.Value.Period.TotalMilliseconds, _options.MaxBufferedEntries);
    }

    /// <summary>Entries waiting to be written (0 when JetStream keeps up).</summary>
    internal int BufferedEntries => _deltas.BufferedEntries;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        // Observing never waits for a write: a write blocked by an outage must not make the node miss a period's
        // end, after which the ledger no longer holds that period.
        await Task.WhenAll(ObserveLoopAsync(stoppingToken), WriteLoopAsync(stoppingToken));
    }

    public override void Dispose()
    {
        _observed.Dispose();
        base.Dispose();
    }

    private async Task ObserveLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Observe();
                _observed.Release();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task WriteLoopAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                await _observed.WaitAsync(stoppingToken);
                while (_observed.CurrentCount > 0)
                {
                    await _observed.WaitAsync(stoppingToken);
                }

                await WriteAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (!_options.Enabled)
        {
            return;
        }

        // The sessions were asked to close when stopping began; once they have, the last record is final.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(FinalWriteTimeout);
        try
        {
            while (_sockets.Count > 0 && !timeout.IsCancellationRequested)
            {
                await Task.Delay(20, timeout.Token);
            }

            await FlushAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }

        if (_deltas.Head is not null || _deltas.BufferedEntries > 0)
        {
            _logger.LogError("Stopping with usage not written to JetStream: {Entries} entries and an unacknowledged record are lost", _deltas.BufferedEntries);
        }
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        Observe();
        await WriteAsync(cancellationToken);
    }

    private void Observe()
    {
        long dropped;
        lock (_deltas)
        {
            dropped = _deltas.Observe(_ledger.PeriodSnapshot());
        }

        if (dropped > 0)
        {
            _logger.LogError(
                "Usage buffer over {Max} entries while JetStream cannot be written: dropped {Ms} connection-ms of the oldest period",
                _options.MaxBufferedEntries, dropped);
        }
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        // At most the waiting head and then the open record. The head is frozen, so it is written outside the lock.
        for (var i = 0; i < 2; i++)
        {
            var maxChunkBytes = UsageChunks.MaxChunkBytes(_nats.ServerInfo?.MaxPayload);
            PendingRecord? record;
            lock (_deltas)
            {
                record = _deltas.Next(maxChunkBytes);
            }

            if (record is null || !await TryWriteAsync(record, cancellationToken))
            {
                return;
            }

            lock (_deltas)
            {
                _deltas.Acknowledge();
            }
        }
    }

    private async Task<bool> TryWriteAsync(PendingRecord record, CancellationToken cancellationToken)
    {
        try
        {
            _js ??= new NatsJSContext(_nats);
            if (!_streamReady)
            {
                await UsageStorage.EnsureRecordsStreamAsync(_js, _options, cancellationToken);
                _streamReady = true;
            }

            var subject = NatsSubjects.UsageRecords(_identity.Id);
            foreach (var message in record.ToMessages(_identity.Id, _identity.StartedAt, _periodSeconds))
            {
                var ack = await _js.PublishAsync(subject, message, Serializer, new NatsJSPubOpts { MsgId = UsageStorage.MessageId(message) }, cancellationToken: cancellationToken);
                ack.EnsureSuccess();
            }

            if (_failing)
            {
                _failing = false;
                _logger.LogInformation("Usage records are written to JetStream again");
            }

            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (!_failing)
            {
                _failing = true;
                _logger.LogWarning(ex, "Cannot write usage records to JetStream; counting goes on and they wait in memory");
            }

            _streamReady = false;
            return false;
        }
    }
}
