using System.Diagnostics.Metrics;
using ConnCount.SocketNode.Memberships;
using ConnCount.SocketNode.Protection;
using ConnCount.SocketNode.Sockets;
using Microsoft.Extensions.Options;

namespace ConnCount.SocketNode.Node;

/// <summary>
/// The node's instruments, under the meter <c>ConnCount.SocketNode</c> (names and units in the README and
/// docs/runbook.md); hears of joins, leaves and refusals as a membership observer.
/// </summary>
/// <remarks>
/// The <c>topic</c> tag's cardinality is bounded and protected names stay out of it: a protected topic is tagged
/// <c>protected</c> (see <see cref="TelemetryTopicNames"/>); of the rest, the node's top-N topics by members keep their
/// name and every other topic is tagged <c>other</c>. A topic's tag is kept in its entry (<see cref="TopicEntry.MetricTag"/>),
/// so a join reads it without a lookup; the top N are chosen again every 10 s on a timer, off the join path. Until
/// the first choice fills them, new topics take the free places.
/// </remarks>
public sealed class SocketNodeMetrics : IMembershipObserver, IDisposable
{
    public const string MeterName = "ConnCount.SocketNode";

    private const string Other = "other";
    private static readonly TimeSpan RetagInterval = TimeSpan.FromSeconds(10);

    private readonly Meter _meter;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _joins;
    private readonly Counter<long> _leaves;
    private readonly TopicTable _topics;
    private readonly TelemetryTopicNames _names;
    private readonly int _top;
    private readonly ITimer _retag;
    private int _named;

    public SocketNodeMetrics(
        IMeterFactory meters, TopicTable topics, OpenSockets sockets, TelemetryTopicNames names, IOptions<SocketNodeOptions> options, TimeProvider time)
    {
        _topics = topics;
        _names = names;
        _top = options.Value.MetricsTopTopics;
        _meter = meters.Create(MeterName);
        _meter.CreateObservableGauge("conncount.sockets.open", () => sockets.Count, unit: "{socket}", description: "Open WebSocket connections on this node.");
        _meter.CreateObservableGauge("conncount.connections.current", () => topics.TotalMemberships, unit: "{membership}", description: "Topic memberships on this node.");
        _meter.CreateObservableGauge("conncount.topics.active", () => topics.TopicCount, unit: "{topic}", description: "Topics with at least one member on this node.");
        _refused = _meter.CreateCounter<long>("conncount.connections.refused", unit: "{refusal}", description: "Connections, upgrades and joins refused, by reason.");
        _joins = _meter.CreateCounter<long>("conncount.joins", unit: "{join}", description: "Topic joins accepted.");
        _leaves = _meter.CreateCounter<long>("conncount.leaves", unit: "{leave}", description: "Topic memberships ended (leave, close, abort, timeout).");
        _retag = time.CreateTimer(static m => ((SocketNodeMetrics)m!).Retag(), this, RetagInterval, RetagInterval);
    }

    public void Refused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Began(in MembershipEvent membership) => _joins.Add(1, new KeyValuePair<string, object?>("topic", Tag(membership.Entry)));

    public void Ended(in MembershipEvent membership, long endedAtMs) => _leaves.Add(1, new KeyValuePair<string, object?>("topic", Tag(membership.Entry)));

    public void Dispose()
    {
        _retag.Dispose();
        _meter.Dispose();
    }

    private string Tag(TopicEntry entry)
    {
        if (entry.MetricTag is { } tag)
        {
            return tag;
        }

        tag = _names.IsHidden(entry.Topic) ? TelemetryTopicNames.Protected
            : Interlocked.Increment(ref _named) <= _top ? entry.Topic
            : Other;
        entry.MetricTag = tag;
        return tag;
    }

    /// <summary>Gives the top-N open topics by members their names and every other open topic <c>other</c>.</summary>
    private void Retag()
    {
        var open = _topics.Entries.Where(e => e.MetricTag != TelemetryTopicNames.Protected && !_names.IsHidden(e.Topic))
            .Select(e => (Entry: e, Members: e.Count()))
            .ToList();
        var top = open.OrderByDescending(e => e.Members).Take(_top).Select(e => e.Entry).ToHashSet();
        foreach (var (entry, _) in open)
        {
            entry.MetricTag = top.Contains(entry) ? entry.Topic : Other;
        }

        Volatile.Write(ref _named, _top);
    }
}
