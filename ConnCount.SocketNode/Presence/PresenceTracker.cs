using System.Collections.Concurrent;
using System.Security.Cryptography;
using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Durable;
using ConnCount.Cluster.Gathering;
using ConnCount.Cluster.Messaging;
using ConnCount.SocketNode.Node;
using ConnCount.SocketNode.Sockets;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace ConnCount.SocketNode.Presence;

/// <summary>
/// Phoenix Presence across the cluster, for the topics whose <c>ConnCount:Messages</c> rule sets <c>Presence</c>. A
/// member's presence is tracked after its join reply, under its user (the join token's <c>sub</c>) or an anonymous key,
/// and it receives <c>presence_state</c>; every member on every node receives <c>presence_diff</c> for each join and
/// leave. Each node publishes its own sockets' changes, numbered, on the topic's presence subject, and keeps every
/// node's presences of the topics it holds members of (<see cref="PresenceTopic"/>).
/// </summary>
/// <remarks>
/// A node that opens a topic subscribes, then asks every node for its presences of it (<see cref="NatsSubjects.PresenceSync"/>),
/// holding the changes that arrive meanwhile. A missed change is seen by its number and repaired from a snapshot of its
/// node. A snapshot too large for one NATS message is answered in parts (<see cref="PresenceSnapshotParts"/>) and
/// applied only once every part arrived (<see cref="PresenceSnapshotAssembly"/>); a node whose parts did not all arrive
/// is asked again. A node the directory stops counting live (dead, paused, cut off: <see cref="ClusterOptions.NodeExpiry"/>)
/// has its presences removed as leaves, checked every <see cref="SweepPeriod"/>; if it is heard again they come back
/// from a snapshot. After this node's own NATS connection returns, every topic is synced again.
/// </remarks>
public sealed partial class PresenceTracker(
    INatsConnection nats,
    NodeIdentity identity,
    NodeDirectory directory,
    TopicMessageRules rules,
    IOptions<ClusterOptions> cluster,
    TimeProvider time,
    ILogger<PresenceTracker> logger) : BackgroundService
{
    /// <summary>How often silent nodes are looked for, and topics without members retired.</summary>
    public static readonly TimeSpan SweepPeriod = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a topic without members stays open here (as its message subscription does).</summary>
    private static readonly TimeSpan EmptyGrace = TimeSpan.FromSeconds(2);

    /// <summary>The longest a join waits for its topic's first sync before its reply.</summary>
    private static readonly TimeSpan SyncWait = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan SnapshotTimeout = TimeSpan.FromSeconds(2);

    private static readonly NatsJsonContextSerializer<PresenceChange> ChangeSerializer = new(ClusterJsonContext.Default);
    private static readonly NatsJsonContextSerializer<PresenceSyncRequest> RequestSerializer = new(ClusterJsonContext.Default);
    private static readonly NatsJsonContextSerializer<PresenceSnapshot> SnapshotSerializer = new(ClusterJsonContext.Default);

    private readonly ConcurrentDictionary<string, PresenceTopic> _topics = new(StringComparer.Ordinal);
    private readonly PresenceOrigin _self = new(identity.Id, identity.StartedAt);

    // phx_refs are unique across the cluster and its restarts: a random prefix per process and a counter.
    private readonly string _refPrefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
    private long _lastRef;
    private long _lastSeq;
    private CancellationToken _stopping;

    /// <summary>Whether <paramref name="topic"/> tracks presence.</summary>
    public bool Tracks(string topic) => rules.RuleFor(topic) is { Presence: true };

    /// <summary>Topics this node holds presence state of now.</summary>
    public int OpenTopics => _topics.Count;

    /// <summary>
    /// Before a join's reply: opens the topic here (subscribed and synced with every node), holding a place for the
    /// member, so the <c>presence_state</c> it receives after its reply is the cluster's.
    /// </summary>
    public async Task OpenAsync(string topic, PhoenixConnection connection)
    {
        while (true)
        {
            var opened = GetOrOpen(topic);
            if (opened.TryReserve(connection))
            {
                try
                {
                    await opened.Synced.WaitAsync(SyncWait);
                }
                catch (TimeoutException)
                {
                    LogSyncSlow(topic);
                }

                return;
            }

            _topics.TryRemove(KeyValuePair.Create(topic, opened));
        }
    }

    /// <summary>After the join's reply: tracks the member's presence (or, on a rejoin, sends it a fresh state).</summary>
    public void Track(string topic, PhoenixConnection connection, string joinRef, string? user)
    {
        if (!_topics.TryGetValue(topic, out var open))
        {
            // OpenAsync's reservation keeps the topic open until this member leaves.
            LogNotOpen(topic);
            return;
        }

        var change = open.Track(connection, joinRef, () => NewEntry(user), NextSeq, _self, NowMs());
        Publish(change);
    }

    /// <summary>A membership of a presence topic ended (leave, close, node stop): its presence leaves, once.</summary>
    public void Untrack(string topic, PhoenixConnection connection)
    {
        if (_topics.TryGetValue(topic, out var open))
        {
            Publish(open.Untrack(connection, NextSeq, _self, NowMs()));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        await Task.Yield();
        nats.ConnectionOpened += OnReconnected;
        using var unsubscribe = stoppingToken.Register(() => nats.ConnectionOpened -= OnReconnected);
        await Task.WhenAll(
            NatsLoop.KeepRunningAsync("answer presence syncs", AnswerSyncsAsync, logger, stoppingToken),
            SweepAsync(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        foreach (var open in _topics.Values)
        {
            await DisposeSubscriptionAsync(open);
        }
    }

    /// <summary>The topic's open state; the one that wins a race to open it alone subscribes.</summary>
    private PresenceTopic GetOrOpen(string topic)
    {
        if (_topics.TryGetValue(topic, out var open))
        {
            return open;
        }

        var fresh = new PresenceTopic(topic, _self, NowMs());
        open = _topics.GetOrAdd(topic, fresh);
        if (open == fresh)
        {
            _ = OpenSubscriptionAsync(fresh);
        }

        return open;
    }

    private async Task OpenSubscriptionAsync(PresenceTopic open)
    {
        try
        {
            var subscription = await nats.SubscribeCoreAsync(TopicSubjects.PresenceFor(open.Topic), serializer: ChangeSerializer, cancellationToken: _stopping);
            open.Subscription = subscription;
            _ = ReadChangesAsync(open, subscription);
            // A round trip after the SUB: the server has it before the sync asks, so no change falls between the two.
            await nats.PingAsync(_stopping);
        }
        catch (Exception ex) when (ex is NatsException or OperationCanceledException)
        {
            LogSyncFailed(open.Topic, ex.Message);
        }

        await SyncAsync(open);
        open.MarkSynced();
    }

    private async Task SyncAsync(PresenceTopic open)
    {
        IReadOnlyList<PresenceSnapshot> parts = [];
        var expected = directory.Snapshot();
        try
        {
            // A node is done once the last part of its answer arrived.
            (parts, _) = await ScatterGather.GatherAsync(
                nats,
                NatsSubjects.PresenceSync,
                new PresenceSyncRequest(open.Topic, Parts: true),
                RequestSerializer,
                SnapshotSerializer,
                expected,
                s => s.Node,
                cluster.Value.GatherTimeout,
                logger,
                PresenceSnapshotParts.IsLast);
        }
        catch (ClusterUnavailableException ex)
        {
            // Without NATS there is nobody to ask; the reconnect syncs again.
            LogSyncFailed(open.Topic, ex.Message);
        }

        // A node whose answer lacks a part keeps what is known of it, and is asked again on its own.
        var assembly = new PresenceSnapshotAssembly();
        foreach (var part in parts.Where(s => s.Topic == open.Topic && IsWellFormed(s.Entries)))
        {
            assembly.Add(part);
        }

        // So does a node the directory awaits that did not answer at all: after a NATS outage it may not have
        // subscribed again yet, and what changed on it meanwhile (a leave it could not publish) would otherwise stay
        // unknown until its next change. The sweep asks it again until it answers, or drops it when it expires.
        var silent = expected
            .Where(n => n.Awaited && !parts.Any(p => p.Node == n.Node && p.StartedAt == n.StartedAt))
            .Select(n => new PresenceOrigin(n.Node, n.StartedAt));
        AskSnapshots(open, open.EndSync(assembly.Complete(), [.. assembly.Incomplete(), .. silent], NowMs()));
    }

    private async Task ReadChangesAsync(PresenceTopic open, INatsSub<PresenceChange> subscription)
    {
        try
        {
            await foreach (var msg in subscription.Msgs.ReadAllAsync(_stopping))
            {
                if (msg.Data is { Node.Length: > 0 } change && change.Topic == open.Topic && IsWellFormed(change.Joins) && IsWellFormed(change.Leaves))
                {
                    if (open.Receive(change, NowMs()) is { } gap)
                    {
                        AskSnapshots(open, [gap]);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Stopped reading presence changes of {Topic}", open.Topic);
        }
    }

    private void AskSnapshots(PresenceTopic open, List<PresenceOrigin> origins)
    {
        foreach (var origin in origins.Distinct())
        {
            open.Asked(origin, NowMs());
            _ = AskSnapshotAsync(open, origin);
        }
    }

    private async Task AskSnapshotAsync(PresenceTopic open, PresenceOrigin origin)
    {
        try
        {
            if (await ReadSnapshotAsync(open.Topic, origin) is not { } snapshot)
            {
                // Not applied: without a part it would drop the presences in that part. The sweep asks again.
                LogSnapshotFailed(origin.Node, open.Topic, "it did not arrive whole in time");
            }
            else if (open.Receive(snapshot, NowMs()) is { } again)
            {
                AskSnapshots(open, [again]);
            }
        }
        catch (Exception ex) when (ex is NatsException or OperationCanceledException or TimeoutException)
        {
            // The sweep asks again; a node that is gone is dropped by it.
            LogSnapshotFailed(origin.Node, open.Topic, ex.Message);
        }
    }

    /// <summary>Asks one origin for its snapshot of <paramref name="topic"/> and reads its parts until the last; null when the snapshot is incomplete.</summary>
    private async Task<PresenceSnapshot?> ReadSnapshotAsync(string topic, PresenceOrigin origin)
    {
        var assembly = new PresenceSnapshotAssembly();
        await foreach (var msg in nats.RequestManyAsync(
            NatsSubjects.PresenceSync,
            new PresenceSyncRequest(topic, origin.Node, origin.StartedAt, Parts: true),
            requestSerializer: RequestSerializer,
            replySerializer: SnapshotSerializer,
            replyOpts: new NatsSubOpts { Timeout = SnapshotTimeout },
            cancellationToken: _stopping))
        {
            if (msg.Data is { Node.Length: > 0 } part && part.Topic == topic && IsWellFormed(part.Entries)
                && new PresenceOrigin(part.Node, part.StartedAt) == origin && assembly.Add(part))
            {
                break;
            }
        }

        return assembly.Complete() is [var snapshot] ? snapshot : null;
    }

    private async Task AnswerSyncsAsync(CancellationToken stoppingToken)
    {
        await foreach (var msg in nats.SubscribeAsync(NatsSubjects.PresenceSync, serializer: RequestSerializer, cancellationToken: stoppingToken))
        {
            if (msg.Data is not { Topic: { } topic } request
                || (request.Node is { } node && (node != _self.Node || request.StartedAt != _self.StartedAt)))
            {
                continue;
            }

            // One reading of the presences, in as many parts as the server's max_payload needs, each with its number.
            var (seq, entries) = _topics.TryGetValue(topic, out var open) ? open.LocalSnapshot() : (0, []);
            var whole = new PresenceSnapshot(_self.Node, _self.StartedAt, topic, seq, entries);
            var parts = PresenceSnapshotParts.Split(whole, UsageChunks.MaxChunkBytes(nats.ServerInfo?.MaxPayload));
            if (parts.Count > 1 && !request.Parts)
            {
                // An older node would take the first part for the whole snapshot.
                LogSnapshotTooLargeForAsker(topic, parts.Count);
                continue;
            }

            foreach (var part in parts)
            {
                await msg.ReplyAsync(part, serializer: SnapshotSerializer, cancellationToken: stoppingToken);
            }
        }
    }

    private async Task SweepAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(SweepPeriod, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await SweepOnceAsync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SweepOnceAsync()
    {
        if (_topics.IsEmpty)
        {
            return;
        }

        var known = directory.Snapshot();
        var live = known.Where(n => n.Awaited).Select(n => new PresenceOrigin(n.Node, n.StartedAt)).ToHashSet();
        var all = known.Select(n => new PresenceOrigin(n.Node, n.StartedAt)).ToHashSet();
        var now = NowMs();
        var expiry = (long)cluster.Value.NodeExpiry.TotalMilliseconds;
        foreach (var open in _topics.Values)
        {
            if (open.TryRetire(now, (long)EmptyGrace.TotalMilliseconds))
            {
                _topics.TryRemove(KeyValuePair.Create(open.Topic, open));
                await DisposeSubscriptionAsync(open);
                continue;
            }

            var ask = open.Sweep(o => o == _self || live.Contains(o), all.Contains, now, expiry, (long)SnapshotTimeout.TotalMilliseconds);
            AskSnapshots(open, ask);
        }
    }

    private ValueTask OnReconnected(object? sender, NatsEventArgs args)
    {
        // What happened while this node was cut off is not known: ask every node again.
        foreach (var open in _topics.Values)
        {
            open.BeginSync();
            _ = SyncAsync(open);
        }

        return ValueTask.CompletedTask;
    }

    private void Publish(PresenceChange? change)
    {
        if (change is not null)
        {
            _ = PublishAsync(change);
        }
    }

    private async Task PublishAsync(PresenceChange change)
    {
        try
        {
            await nats.PublishAsync(TopicSubjects.PresenceFor(change.Topic), change, serializer: ChangeSerializer, cancellationToken: _stopping);
        }
        catch (Exception ex) when (ex is NatsException or OperationCanceledException)
        {
            // The other nodes see the gap in the numbers at the next change, or sync again after their reconnect.
            LogPublishFailed(change.Topic, ex.Message);
        }
    }

    private static async Task DisposeSubscriptionAsync(PresenceTopic open)
    {
        if (open.Subscription is { } subscription)
        {
            await subscription.DisposeAsync();
        }
    }

    private PresenceEntry NewEntry(string? user)
    {
        var reference = $"{_refPrefix}{Interlocked.Increment(ref _lastRef)}";
        return new PresenceEntry(user ?? $"{AnonymousKeyPrefix}{reference}", reference, time.GetUtcNow().ToUnixTimeMilliseconds());
    }

    /// <summary>The key of a member whose join carried no user: its own, so each anonymous socket is listed once.</summary>
    public const string AnonymousKeyPrefix = "anonymous:";

    private long NextSeq() => Interlocked.Increment(ref _lastSeq);

    /// <summary>A list of presences from NATS that can be applied: present, each with a key and a ref (a malformed message is ignored, not applied).</summary>
    private static bool IsWellFormed(IReadOnlyList<PresenceEntry>? entries) =>
        entries is not null && entries.All(e => e is { Key.Length: > 0, Ref.Length: > 0 });

    private long NowMs() => time.GetTimestamp() * 1000 / time.TimestampFrequency;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Presence of {Topic} was not synced with every node before a join's reply; it is completed as the nodes answer")]
    private partial void LogSyncSlow(string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A member of {Topic} was to be tracked, but the topic's presence is not open here")]
    private partial void LogNotOpen(string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Presence of {Topic} could not be synced: {Reason}")]
    private partial void LogSyncFailed(string topic, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No presence snapshot of {Topic} from node {Node}: {Reason}")]
    private partial void LogSnapshotFailed(string node, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A node that reads presence snapshots only whole (an older version) asked for {Topic}, whose snapshot here takes {Parts} messages; it was not answered")]
    private partial void LogSnapshotTooLargeForAsker(string topic, int parts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A presence change of {Topic} could not be published: {Reason}")]
    private partial void LogPublishFailed(string topic, string reason);
}
