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

        using var timer = new PeriodicTimer(_interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
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
        var dropped = _deltas.Observe(_ledger.PeriodSnapshot());
        if (dropped > 0)
        {
            _logger.LogError(
                "Usage buffer over {Max} entries while JetStream cannot be written: dropped {Ms} connection-ms of the oldest period",
                _options.MaxBufferedEntries, dropped);
        }

        // At most the waiting head and then the open record: one round per tick.
        for (var i = 0; i < 2; i++)
        {
            var maxPayload = _nats.ServerInfo?.MaxPayload is > 0 and var max ? (int)Math.Min(max, int.MaxValue) : 1024 * 1024;
            if (_deltas.Next(maxPayload / 2) is not { } record || !await TryWriteAsync(record, cancellationToken))
            {
                return;
            }

            _deltas.Acknowledge();
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
