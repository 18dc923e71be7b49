using System.Diagnostics.Metrics;
using ConnCount.SocketNode.Counting;

namespace ConnCount.SocketNode.Node;

/// <summary>The node's instruments, under the meter <c>ConnCount.SocketNode</c> (names in docs/metrics.md).</summary>
public sealed class SocketNodeMetrics : IDisposable
{
    public const string MeterName = "ConnCount.SocketNode";

    private readonly Meter _meter;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _joins;
    private readonly Counter<long> _leaves;

    public SocketNodeMetrics(IMeterFactory meters, ConnectionRegistry registry)
    {
        _meter = meters.Create(MeterName);
        _meter.CreateObservableGauge("conncount.sockets.open", () => registry.Sockets, unit: "{socket}", description: "Open WebSocket connections on this node.");
        _meter.CreateObservableGauge("conncount.connections.current", () => registry.TotalMemberships, unit: "{membership}", description: "Topic memberships on this node.");
        _meter.CreateObservableGauge("conncount.topics.active", () => registry.TopicCount, unit: "{topic}", description: "Topics with at least one member on this node.");
        _refused = _meter.CreateCounter<long>("conncount.connections.refused", unit: "{refusal}", description: "Upgrades and joins refused, by reason.");
        _joins = _meter.CreateCounter<long>("conncount.joins", unit: "{join}", description: "Topic joins accepted.");
        _leaves = _meter.CreateCounter<long>("conncount.leaves", unit: "{leave}", description: "Topic memberships ended (leave, close, abort, timeout).");
    }

    public void Refused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Joined() => _joins.Add(1);

    public void Left() => _leaves.Add(1);

    public void Dispose() => _meter.Dispose();
}
