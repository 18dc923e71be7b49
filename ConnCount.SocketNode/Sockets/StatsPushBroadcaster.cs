using System.Text;
using System.Text.Json;
using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Gathering;
using ConnCount.SocketNode.Node;
using ConnCount.SocketNode.Protection;
using ConnCount.SocketNode.Protocol;
using Microsoft.Extensions.Options;

namespace ConnCount.SocketNode.Sockets;

/// <summary>
/// Pushes <c>connection_stats</c> to sockets that joined <c>stats:cluster</c> (the cluster, shaped as
/// <c>get_cluster_connection_stats</c>) or <c>stats:&lt;topic&gt;</c> (one topic, shaped as
/// <c>GET /api/stats/topics/{topic}</c>): at most once per <see cref="SocketNodeOptions.PresenceInterval"/>,
/// only when the counts changed, and once right after joining. Each socket gets the view it may see
/// (<see cref="StatsVisibility"/>); sockets that see the same share one rendering.
/// </summary>
public sealed class StatsPushBroadcaster(
    StatsWatchHub hub,
    ClusterStatsClient cluster,
    StatsVisibility visibility,
    IOptions<SocketNodeOptions> options,
    ILogger<StatsPushBroadcaster> logger) : BackgroundService
{
    /// <summary>Per stats topic and view: the content key of the last push.</summary>
    private readonly Dictionary<(string Topic, string View), string> _lastSent = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PresenceInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (hub.IsEmpty)
                {
                    _lastSent.Clear();
                    continue;
                }

                try
                {
                    await BroadcastAsync(await cluster.GetAsync(stoppingToken), stoppingToken);
                }
                catch (ClusterUnavailableException ex)
                {
                    logger.LogDebug("No stats push this interval: {Reason}", ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task BroadcastAsync(ClusterStats stats, CancellationToken cancellationToken)
    {
        var sends = new List<Task>();
        var live = new HashSet<(string, string)>();
        foreach (var (topic, subscribers) in hub.Snapshot())
        {
            foreach (var view in subscribers.GroupBy(s => visibility.ViewKey(s.Session.ReadAccess)))
            {
                // A token that expired since the join no longer shows what it named.
                var allowed = view.Where(s => visibility.MayWatch(topic, s.Session.ReadAccess)).ToList();
                if (allowed.Count == 0)
                {
                    continue;
                }

                var key = (topic, view.Key);
                live.Add(key);
                var (payload, content) = Render(topic, visibility.Filter(stats, allowed[0].Session.ReadAccess));
                var changed = !_lastSent.TryGetValue(key, out var last) || last != content;
                _lastSent[key] = content;
                foreach (var (session, subscriber) in allowed)
                {
                    if (changed || !subscriber.Initialised)
                    {
                        hub.MarkInitialised(topic, session);
                        sends.Add(PushAsync(session, subscriber.JoinRef, topic, payload, cancellationToken));
                    }
                }
            }
        }

        foreach (var gone in _lastSent.Keys.Where(k => !live.Contains(k)).ToList())
        {
            _lastSent.Remove(gone);
        }

        await Task.WhenAll(sends);
    }

    /// <summary>
    /// The push payload for a stats topic, and a key of its content that changes only when its counts do:
    /// timestamps are left out, and maps are compared by content, not by the order nodes answered in.
    /// </summary>
    private static (byte[] Payload, string Key) Render(string topic, ClusterStats stats)
    {
        if (topic == StatsWatchHub.ClusterTopic)
        {
            return (JsonSerializer.SerializeToUtf8Bytes(stats, ClusterJsonContext.Default.ClusterStats), ContentKey(stats));
        }

        var name = topic[StatsWatchHub.Prefix.Length..];
        var push = TopicView.Of(name, stats);
        var key = new StringBuilder();
        AppendCounts(key.Append(push.Total).Append('|').Append(push.Users).Append('|').Append(push.Partial).Append('|'), push.Nodes);
        AppendSorted(key, push.MissingNodes);
        return (JsonSerializer.SerializeToUtf8Bytes(push, ClusterJsonContext.Default.TopicView), key.ToString());
    }

    private static string ContentKey(ClusterStats stats)
    {
        var key = new StringBuilder();
        key.Append(stats.TotalConnections).Append('|').Append(stats.TotalSockets).Append('|').Append(stats.ClusterSize)
            .Append('|').Append(stats.Users).Append('|').Append(stats.Partial).Append('|');
        AppendSorted(key, stats.MissingNodes);
        foreach (var (topic, counts) in stats.Topics.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            AppendCounts(AppendName(key.Append('\0'), topic).Append('=').Append(counts.Total).Append(',').Append(counts.Users).Append(':'), counts.Nodes);
        }

        foreach (var summaries in new[] { stats.Nodes, stats.Stale })
        {
            key.Append("\0\0");
            foreach (var (node, summary) in summaries.OrderBy(n => n.Key, StringComparer.Ordinal))
            {
                AppendName(key, node).Append('=').Append(summary.Total).Append(',').Append(summary.Sockets).Append(',')
                    .Append(summary.StartedAt.UtcTicks).Append(',').Append(summary.Draining).Append(',').Append(summary.Users).Append(';');
            }
        }

        return key.ToString();
    }

    private static void AppendCounts(StringBuilder key, IReadOnlyDictionary<string, long> counts)
    {
        foreach (var (node, count) in counts.OrderBy(n => n.Key, StringComparer.Ordinal))
        {
            AppendName(key, node).Append('=').Append(count).Append(';');
        }
    }

    /// <summary>Length-prefixed, so no name (topics may hold any character) can run into the next field.</summary>
    private static StringBuilder AppendName(StringBuilder key, string name) => key.Append(name.Length).Append(':').Append(name);

    private static void AppendSorted(StringBuilder key, IReadOnlyList<string> names)
    {
        foreach (var name in names.Order(StringComparer.Ordinal))
        {
            AppendName(key, name).Append(';');
        }
    }

    private async Task PushAsync(PhoenixConnection session, string joinRef, string topic, byte[] payload, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            // A slow subscriber must not hold up the others.
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await session.SendAsync(w => PhoenixFrameWriter.WritePush(w, joinRef, topic, PhoenixEvents.ConnectionStats, p => p.WriteRawValue(payload, skipInputValidation: true)), timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
        {
            logger.LogDebug("Stats push to a socket failed: {Reason}", ex.Message);
        }
    }
}
