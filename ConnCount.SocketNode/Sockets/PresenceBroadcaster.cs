using System.Buffers;
using System.Text.Json;
using ConnCount.Cluster;
using ConnCount.Cluster.Contracts;
using ConnCount.SocketNode.Node;
using ConnCount.SocketNode.Protocol;
using Microsoft.Extensions.Options;

namespace ConnCount.SocketNode.Sockets;

/// <summary>
/// Pushes <c>connection_stats</c> to sockets that joined <c>stats:cluster</c> (the cluster, shaped as
/// <c>get_cluster_connection_stats</c>) or <c>stats:&lt;topic&gt;</c> (one topic, shaped as
/// <c>GET /api/stats/topics/{topic}</c>): at most once per <see cref="SocketNodeOptions.PresenceInterval"/>,
/// only when the counts changed, and once right after joining.
/// </summary>
public sealed class PresenceBroadcaster(
    PresenceHub hub,
    ClusterStatsClient cluster,
    IOptions<SocketNodeOptions> options,
    ILogger<PresenceBroadcaster> logger) : BackgroundService
{
    /// <summary>The pushed event's name.</summary>
    public const string Event = "connection_stats";

    private readonly Dictionary<string, string> _lastSent = new(StringComparer.Ordinal);

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
                    logger.LogDebug("No presence push this interval: {Reason}", ex.Message);
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
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (topic, subscribers) in hub.Snapshot())
        {
            live.Add(topic);
            var (payload, key) = Render(topic, stats);
            var changed = !_lastSent.TryGetValue(topic, out var last) || last != key;
            _lastSent[topic] = key;
            foreach (var (session, subscriber) in subscribers)
            {
                if (changed || !subscriber.Initialised)
                {
                    hub.MarkInitialised(topic, session);
                    sends.Add(PushAsync(session, subscriber.JoinRef, topic, payload, cancellationToken));
                }
            }
        }

        foreach (var gone in _lastSent.Keys.Where(k => !live.Contains(k)).ToList())
        {
            _lastSent.Remove(gone);
        }

        await Task.WhenAll(sends);
    }

    /// <summary>The push payload for a presence topic, and a key that changes only when its counts do.</summary>
    public static (byte[] Payload, string Key) Render(string topic, ClusterStats stats)
    {
        if (topic == PresenceHub.ClusterTopic)
        {
            var payload = JsonSerializer.SerializeToUtf8Bytes(stats, ClusterJsonContext.Default.ClusterStats);
            // Timestamps move on every gather; the key leaves them out.
            var steady = stats with
            {
                GatheredAt = default,
                Nodes = stats.Nodes.ToDictionary(n => n.Key, n => n.Value with { LastSeen = default }),
                Stale = stats.Stale.ToDictionary(n => n.Key, n => n.Value with { LastSeen = default }),
            };
            return (payload, JsonSerializer.Serialize(steady, ClusterJsonContext.Default.ClusterStats));
        }

        var name = topic[PresenceHub.Prefix.Length..];
        var topicStats = stats.Topics.GetValueOrDefault(name) ?? new TopicStats(0, new Dictionary<string, long>());
        var presence = new TopicPresence(name, topicStats.Total, topicStats.Nodes, stats.Partial, stats.MissingNodes);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(presence, SocketNodeJsonContext.Default.TopicPresence);
        return (bytes, System.Text.Encoding.UTF8.GetString(bytes));
    }

    private async Task PushAsync(PhoenixSession session, string joinRef, string topic, byte[] payload, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            // A slow subscriber must not hold up the others.
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await session.SendAsync(w => PhoenixFrameWriter.WritePush(w, joinRef, topic, Event, p => p.WriteRawValue(payload, skipInputValidation: true)), timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
        {
            logger.LogDebug("Presence push to a socket failed: {Reason}", ex.Message);
        }
    }
}

/// <summary>One topic across the cluster, as pushed on <c>stats:&lt;topic&gt;</c>.</summary>
public sealed record TopicPresence(string Topic, long Total, IReadOnlyDictionary<string, long> Nodes, bool Partial, IReadOnlyList<string> MissingNodes);
