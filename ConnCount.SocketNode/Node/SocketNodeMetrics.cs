using System.Diagnostics.Metrics;
using ConnCount.SocketNode.Counting;
using ConnCount.SocketNode.Protection;

namespace ConnCount.SocketNode.Node;

/// <summary>The node's instruments, under the meter <c>ConnCount.SocketNode</c> (names and units in the README and docs/runbook.md).</summary>
public sealed class SocketNodeMetrics : IDisposable
{
    public const string MeterName = "ConnCount.SocketNode";

    private readonly Meter _meter;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _joins;
    private readonly Counter<long> _leaves;
    private readonly TopicTagger _topics;

    public SocketNodeMetrics(
        IMeterFactory meters, ConnectionRegistry registry, TelemetryTopicNames names, Microsoft.Extensions.Options.IOptions<SocketNodeOptions> options)
    {
        _topics = new TopicTagger(registry, names, options.Value.MetricsTopTopics);
        _meter = meters.Create(MeterName);
        _meter.CreateObservableGauge("conncount.sockets.open", () => registry.Sockets, unit: "{socket}", description: "Open WebSocket connections on this node.");
        _meter.CreateObservableGauge("conncount.connections.current", () => registry.TotalMemberships, unit: "{membership}", description: "Topic memberships on this node.");
        _meter.CreateObservableGauge("conncount.topics.active", () => registry.TopicCount, unit: "{topic}", description: "Topics with at least one member on this node.");
        _refused = _meter.CreateCounter<long>("conncount.connections.refused", unit: "{refusal}", description: "Connections, upgrades and joins refused, by reason.");
        _joins = _meter.CreateCounter<long>("conncount.joins", unit: "{join}", description: "Topic joins accepted.");
        _leaves = _meter.CreateCounter<long>("conncount.leaves", unit: "{leave}", description: "Topic memberships ended (leave, close, abort, timeout).");
    }

    public void Refused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Joined(string topic) => _joins.Add(1, new KeyValuePair<string, object?>("topic", _topics.Tag(topic)));

    public void Left(string topic) => _leaves.Add(1, new KeyValuePair<string, object?>("topic", _topics.Tag(topic)));

    public void Dispose() => _meter.Dispose();

    /// <summary>
    /// Keeps the <c>topic</c> tag's cardinality bounded and protected names out of it: a protected topic is tagged
    /// <c>protected</c> (see <see cref="TelemetryTopicNames"/>); of the rest, the node's top-N topics by members
    /// (refreshed every 10 s) keep their name, every other topic is tagged <c>other</c>.
    /// </summary>
    private sealed class TopicTagger(ConnectionRegistry registry, TelemetryTopicNames names, int top)
    {
        public const string Other = "other";
        private static readonly long RefreshMs = 10_000;
        private volatile HashSet<string> _tracked = new(StringComparer.Ordinal);
        private long _nextRefresh;

        public string Tag(string topic)
        {
            if (names.IsHidden(topic))
            {
                return TelemetryTopicNames.Protected;
            }

            var now = Environment.TickCount64;
            var next = Interlocked.Read(ref _nextRefresh);
            if (now >= next && Interlocked.CompareExchange(ref _nextRefresh, now + RefreshMs, next) == next)
            {
                _tracked = registry.SnapshotTopics()
                    .Where(t => !names.IsHidden(t.Key))
                    .OrderByDescending(t => t.Value)
                    .Take(top)
                    .Select(t => t.Key)
                    .ToHashSet(StringComparer.Ordinal);
            }

            return _tracked.Contains(topic) ? topic : Other;
        }
    }
}
