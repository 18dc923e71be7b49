using System.Collections.Concurrent;
using System.Text.Json;
using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Messaging;
using ConnCount.SocketNode.Node;
using ConnCount.SocketNode.Protocol;
using ConnCount.SocketNode.Sockets;
using NATS.Client.Core;

namespace ConnCount.SocketNode.Messaging;

/// <summary>
/// Delivers topic messages to this node's members: one NATS subscription per topic while the node holds members of
/// it, every message written once as a Phoenix broadcast (<c>[null, null, topic, event, payload]</c>) and sent to each
/// member. A join waits until NATS has the subscription (<see cref="AddAsync"/>), so every message published after the
/// join was answered reaches it; the subscription ends <see cref="UnsubscribeGrace"/> after the last member leaves,
/// so a topic that empties and fills again at once does not resubscribe each time.
/// </summary>
public sealed class TopicFanout(INatsConnection nats, NodeIdentity identity, ILogger<TopicFanout> logger) : IAsyncDisposable
{
    /// <summary>How long a topic without members stays subscribed.</summary>
    public static readonly TimeSpan UnsubscribeGrace = TimeSpan.FromSeconds(2);

    /// <summary>The longest a join waits for NATS to confirm the topic's subscription (NATS down: the join still counts).</summary>
    private static readonly TimeSpan SubscribeWait = TimeSpan.FromSeconds(2);

    private static readonly NatsJsonContextSerializer<TopicMessage> Serializer = new(ClusterJsonContext.Default);

    private readonly INatsConnection _nats = nats;
    private readonly ConcurrentDictionary<string, TopicMembers> _topics = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Topics this node is subscribed to now.</summary>
    public int SubscribedTopics => _topics.Count;

    /// <summary>Adds a member of <paramref name="topic"/>; completes once the topic's subscription is in place.</summary>
    public async Task AddAsync(string topic, PhoenixConnection connection)
    {
        while (true)
        {
            var members = GetOrCreate(topic);
            if (members.TryAdd(connection))
            {
                try
                {
                    await members.Subscribed.WaitAsync(SubscribeWait);
                }
                catch (Exception ex) when (ex is TimeoutException or NatsException)
                {
                    logger.LogWarning("Joined {Topic} before NATS confirmed its subscription: {Reason}", topic, ex.Message);
                }

                return;
            }

            // It was being removed: the next round finds or makes a fresh one.
            _topics.TryRemove(new KeyValuePair<string, TopicMembers>(topic, members));
        }
    }

    /// <summary>The topic's members; the one that wins a race to create them alone subscribes.</summary>
    private TopicMembers GetOrCreate(string topic)
    {
        if (_topics.TryGetValue(topic, out var members))
        {
            return members;
        }

        var fresh = new TopicMembers(this, topic);
        members = _topics.GetOrAdd(topic, fresh);
        if (members == fresh)
        {
            fresh.Subscribe();
        }

        return members;
    }

    /// <summary>Removes a member; the topic's subscription ends a grace period after its last member left.</summary>
    public void Remove(string topic, PhoenixConnection connection)
    {
        if (_topics.TryGetValue(topic, out var members) && members.Remove(connection) is { } generation)
        {
            _ = RemoveLaterAsync(topic, members, generation);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        foreach (var members in _topics.Values)
        {
            await members.StopAsync();
        }

        _stopping.Dispose();
    }

    private async Task RemoveLaterAsync(string topic, TopicMembers members, long generation)
    {
        try
        {
            await Task.Delay(UnsubscribeGrace, _stopping.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        if (members.TryRetire(generation))
        {
            _topics.TryRemove(new KeyValuePair<string, TopicMembers>(topic, members));
            await members.StopAsync();
        }
    }

    private async Task ReadAsync(TopicMembers members, INatsSub<TopicMessage> subscription)
    {
        try
        {
            await foreach (var msg in subscription.Msgs.ReadAllAsync(_stopping.Token))
            {
                if (msg.Data is { } message && message.Topic == members.Topic && message.Payload.ValueKind == JsonValueKind.Object
                    && message.Event.Length > 0 && !TopicMessageRules.IsReserved(message.Event))
                {
                    Deliver(members, message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Stopped delivering messages of {Topic}", members.Topic);
        }
    }

    private void Deliver(TopicMembers members, TopicMessage message)
    {
        var scratch = PhoenixConnection.Scratch();
        PhoenixFrameWriter.WritePush(scratch, null, members.Topic, message.Event, message.Payload.WriteTo);
        var frame = scratch.WrittenSpan.ToArray();
        var skip = message.OriginNode == identity.Id ? message.OriginSocket : 0;
        foreach (var member in members.Snapshot())
        {
            if (skip == 0 || member.Sender?.Id != skip)
            {
                member.Post(frame);
            }
        }
    }

    /// <summary>One topic's members on this node and its subscription.</summary>
    private sealed class TopicMembers
    {
        private readonly Lock _gate = new();
        private readonly HashSet<PhoenixConnection> _members = [];
        private readonly TopicFanout _fanout;
        private PhoenixConnection[]? _snapshot;
        private INatsSub<TopicMessage>? _subscription;
        private long _generation;
        private bool _retired;

        private readonly TaskCompletionSource<Task> _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TopicMembers(TopicFanout fanout, string topic)
        {
            _fanout = fanout;
            Topic = topic;
        }

        public string Topic { get; }

        /// <summary>Completes once NATS has the subscription (or failed to make it).</summary>
        public Task Subscribed => _subscribed.Task.Unwrap();

        /// <summary>Subscribes; called once, by the instance that was kept.</summary>
        public void Subscribe() => _subscribed.TrySetResult(SubscribeAsync());

        public bool TryAdd(PhoenixConnection connection)
        {
            lock (_gate)
            {
                if (_retired)
                {
                    return false;
                }

                _members.Add(connection);
                _snapshot = null;
                _generation++;
                return true;
            }
        }

        /// <summary>Removes a member; returns the generation to retire at when it was the last.</summary>
        public long? Remove(PhoenixConnection connection)
        {
            lock (_gate)
            {
                if (!_members.Remove(connection))
                {
                    return null;
                }

                _snapshot = null;
                _generation++;
                return _members.Count == 0 ? _generation : null;
            }
        }

        /// <summary>Retires the topic when nobody joined since <paramref name="generation"/>.</summary>
        public bool TryRetire(long generation)
        {
            lock (_gate)
            {
                if (_members.Count > 0 || _generation != generation)
                {
                    return false;
                }

                _retired = true;
                return true;
            }
        }

        public PhoenixConnection[] Snapshot()
        {
            lock (_gate)
            {
                return _snapshot ??= [.. _members];
            }
        }

        public async Task StopAsync()
        {
            try
            {
                await Subscribed;
            }
            catch (Exception)
            {
                // Never subscribed: nothing to end.
            }

            if (_subscription is { } subscription)
            {
                await subscription.DisposeAsync();
            }
        }

        private async Task SubscribeAsync()
        {
            var subscription = await _fanout._nats.SubscribeCoreAsync(TopicSubjects.For(Topic), serializer: Serializer, cancellationToken: _fanout._stopping.Token);
            _subscription = subscription;
            _ = _fanout.ReadAsync(this, subscription);
            // A round trip after the SUB: the server has the subscription before the join is answered.
            await _fanout._nats.PingAsync(_fanout._stopping.Token);
        }
    }
}
