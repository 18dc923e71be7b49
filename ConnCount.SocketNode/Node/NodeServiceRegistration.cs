using System.Text.RegularExpressions;
using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Gathering;
using NATS.Client.Core;
using NATS.Client.Services;

namespace ConnCount.SocketNode.Node;

/// <summary>
/// Registers the node with the NATS services framework as <c>conncount-node</c>, so <c>$SRV.PING</c>,
/// <c>$SRV.INFO</c> and <c>$SRV.STATS</c> (what <c>nats micro</c> reads) list every node. Its one endpoint,
/// <c>conncount.v1.nodes.&lt;node&gt;.stats</c>, answers this node's stats; the subject is unique per node,
/// so the framework's default queue group does not hide any node.
/// </summary>
public sealed partial class NodeServiceRegistration(
    INatsConnection nats,
    NodeIdentity identity,
    NodeStatsSource source,
    ILogger<NodeServiceRegistration> logger) : BackgroundService
{
    public const string ServiceName = "conncount-node";

    private static readonly NatsJsonContextSerializer<NodeStats> Serializer = new(ClusterJsonContext.Default);

    /// <summary>The per-node endpoint subject; characters not allowed in a subject token become <c>_</c>.</summary>
    public static string EndpointSubject(string nodeId) => $"{NatsSubjects.NodePrefix}{UnsafeSubjectChars().Replace(nodeId, "_")}.stats";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        await NatsLoop.KeepRunningAsync("service registration", RegisterAsync, logger, stoppingToken);
    }

    private async Task RegisterAsync(CancellationToken stoppingToken)
    {
        var context = new NatsSvcContext(nats);
        await using var service = await context.AddServiceAsync(
            new NatsSvcConfig(ServiceName, SemVer(identity.Version))
            {
                Description = "ConnCount socket node: exact WebSocket connection counts",
                Metadata = new Dictionary<string, string>
                {
                    ["node"] = identity.Id,
                    ["started_at"] = identity.StartedAt.ToString("O"),
                },
            },
            stoppingToken);
        await service.AddEndpointAsync<object?>(
            msg => msg.ReplyAsync(source.GetStats(), serializer: Serializer, cancellationToken: stoppingToken),
            name: "stats",
            subject: EndpointSubject(identity.Id),
            cancellationToken: stoppingToken);
        await Task.Delay(Timeout.Infinite, stoppingToken);
    }

    private static string SemVer(string version)
    {
        var core = version.Split('+')[0];
        return Regex.IsMatch(core, @"^\d+\.\d+\.\d+") ? core : "1.0.0";
    }

    [GeneratedRegex("[^A-Za-z0-9_-]")]
    private static partial Regex UnsafeSubjectChars();
}
