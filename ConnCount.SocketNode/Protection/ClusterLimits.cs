using ConnCount.Cluster;
using ConnCount.Cluster.Contracts;
using ConnCount.SocketNode.Node;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

using ConnCount.SocketNode.Protocol;

namespace ConnCount.SocketNode.Protection;

/// <summary>
/// Cluster-wide limits on concurrent joins per topic (by pattern) and per tenant (by plan). Each node
/// counts its own joins of limited keys, publishes them every <see cref="LimitsOptions.UsageSyncInterval"/>
/// and sums what the others published. Between two syncs a node admits at most
/// <c>ceil(remaining / nodes)</c> new joins of a key, so nodes working from the same stale view share what
/// is left instead of each taking all of it. The worst-case overshoot (slack) is documented in docs/limits.md.
/// </summary>
public sealed class ClusterLimits(
    IOptions<LimitsOptions> options,
    IOptions<ClusterOptions> clusterOptions,
    NodeIdentity identity,
    INatsConnection nats,
    ILogger<ClusterLimits> logger) : BackgroundService
{
    private static readonly NatsJsonContextSerializer<NodeUsage> Serializer = new(ClusterJsonContext.Default);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _localTopics = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _localTenants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _admittedThisWindow = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (NodeUsage Usage, long ReceivedAt)> _remote = new(StringComparer.Ordinal);

    private bool Enabled => options.Value.Topics.Count > 0 || options.Value.Plans.Count > 0;

    /// <summary>
    /// Admits a join against the topic and tenant limits, and if admitted records it. Returns the refusal
    /// reason, or null when admitted. An admitted join must later be <see cref="Release"/>d exactly once.
    /// </summary>
    public string? TryAdmit(string topic, JoinGrant grant)
    {
        var topicLimit = TopicLimitFor(topic);
        var tenantLimit = TenantLimitFor(grant);
        if (topicLimit is null && tenantLimit is null)
        {
            return null;
        }

        lock (_gate)
        {
            var nodes = LiveRemotes() + 1;
            if (topicLimit is { } tl && !HasRoom("t:" + topic, _localTopics, topic, tl, nodes, r => r.Topics))
            {
                return ReplyReasons.TopicFull;
            }

            if (tenantLimit is { } pl && !HasRoom("p:" + grant.Tenant, _localTenants, grant.Tenant!, pl, nodes, r => r.Tenants))
            {
                return ReplyReasons.TenantFull;
            }

            if (topicLimit is not null)
            {
                Add(_localTopics, topic, 1);
                Add(_admittedThisWindow, "t:" + topic, 1);
            }

            if (tenantLimit is not null)
            {
                Add(_localTenants, grant.Tenant!, 1);
                Add(_admittedThisWindow, "p:" + grant.Tenant, 1);
            }

            return null;
        }
    }

    /// <summary>Ends an admitted join.</summary>
    public void Release(string topic, JoinGrant grant)
    {
        var limitedTopic = TopicLimitFor(topic) is not null;
        var limitedTenant = TenantLimitFor(grant) is not null;
        if (!limitedTopic && !limitedTenant)
        {
            return;
        }

        lock (_gate)
        {
            if (limitedTopic)
            {
                Add(_localTopics, topic, -1);
            }

            if (limitedTenant)
            {
                Add(_localTenants, grant.Tenant!, -1);
            }
        }
    }

    /// <summary>Cluster-wide joins of a limited topic as this node sees them (its own plus the last published by others).</summary>
    public long KnownTopicJoins(string topic)
    {
        lock (_gate)
        {
            return _localTopics.GetValueOrDefault(topic) + SumRemote(topic, r => r.Topics);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        await Task.Yield();
        await Task.WhenAll(ListenAsync(stoppingToken), PublishAsync(stoppingToken));
    }

    private async Task PublishAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.UsageSyncInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                NodeUsage usage;
                lock (_gate)
                {
                    usage = new NodeUsage(identity.Id, identity.StartedAt, new Dictionary<string, long>(_localTopics), new Dictionary<string, long>(_localTenants));
                    _admittedThisWindow.Clear();
                }

                try
                {
                    await nats.PublishAsync(NatsSubjects.Usage, usage, serializer: Serializer, cancellationToken: stoppingToken);
                }
                catch (NatsException ex)
                {
                    logger.LogDebug(ex, "Could not publish limit usage");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private Task ListenAsync(CancellationToken stoppingToken) =>
        NatsLoop.KeepRunningAsync("listen for limit usage", async ct =>
        {
            await foreach (var msg in nats.SubscribeAsync(NatsSubjects.Usage, serializer: Serializer, cancellationToken: ct))
            {
                if (msg.Data is { Node.Length: > 0 } usage && usage.Node != identity.Id)
                {
                    lock (_gate)
                    {
                        _remote[usage.Node] = (usage, Environment.TickCount64);
                    }
                }
            }
        }, logger, stoppingToken);

    private bool HasRoom(string windowKey, Dictionary<string, long> local, string key, long limit, int nodes, Func<NodeUsage, IReadOnlyDictionary<string, long>> select)
    {
        var known = local.GetValueOrDefault(key) + SumRemote(key, select);
        var remaining = limit - known;
        if (remaining <= 0)
        {
            return false;
        }

        var budget = (remaining + nodes - 1) / nodes;
        return _admittedThisWindow.GetValueOrDefault(windowKey) < budget;
    }

    private long SumRemote(string key, Func<NodeUsage, IReadOnlyDictionary<string, long>> select)
    {
        long sum = 0;
        var freshSince = Environment.TickCount64 - (long)clusterOptions.Value.NodeExpiry.TotalMilliseconds;
        foreach (var (usage, receivedAt) in _remote.Values)
        {
            if (receivedAt >= freshSince)
            {
                sum += select(usage).GetValueOrDefault(key);
            }
        }

        return sum;
    }

    private int LiveRemotes()
    {
        var freshSince = Environment.TickCount64 - (long)clusterOptions.Value.NodeExpiry.TotalMilliseconds;
        foreach (var (node, (_, receivedAt)) in _remote)
        {
            if (receivedAt < freshSince)
            {
                _remote.Remove(node);
            }
        }

        return _remote.Count;
    }

    private long? TopicLimitFor(string topic)
    {
        foreach (var limit in options.Value.Topics)
        {
            if (TopicPattern.Matches(limit.Pattern, topic))
            {
                return limit.MaxJoins;
            }
        }

        return null;
    }

    private long? TenantLimitFor(JoinGrant grant) =>
        grant is { Tenant: not null, Plan: not null } && options.Value.Plans.TryGetValue(grant.Plan, out var max) ? max : null;

    private static void Add(Dictionary<string, long> counts, string key, long delta)
    {
        var value = counts.GetValueOrDefault(key) + delta;
        if (value == 0)
        {
            counts.Remove(key);
        }
        else
        {
            counts[key] = value;
        }
    }
}
