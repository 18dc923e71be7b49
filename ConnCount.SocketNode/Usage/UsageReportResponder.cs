using System.Text.Json;
using ConnCount.Cluster.Aggregation;
using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Gathering;
using ConnCount.SocketNode.Memberships;
using ConnCount.SocketNode.Node;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace ConnCount.SocketNode.Usage;

/// <summary>
/// Answers every usage scatter on <see cref="NatsSubjects.UsageReport"/> (no queue group, so every node
/// answers) with this node's <see cref="UsageReport"/>, and sweeps long-idle topics out of the ledger.
/// </summary>
public sealed class UsageReportResponder(
    INatsConnection nats,
    UsageLedger ledger,
    UserTally users,
    NodeIdentity identity,
    IOptions<StatsOptions> stats,
    IOptions<UsageOptions> options,
    TimeProvider time,
    ILogger<UsageReportResponder> logger) : BackgroundService
{
    /// <summary>NATS's default max_payload, used until the server has said its own.</summary>
    private const long DefaultMaxPayload = 1024 * 1024;

    private static readonly NatsJsonContextSerializer<UsageReportRequest> RequestSerializer = new(ClusterJsonContext.Default);

    private readonly int _maxExactUsers = stats.Value.MaxExactUsersPerTopic;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        await Task.WhenAll(NatsLoop.KeepRunningAsync("answer usage reports", AnswerAsync, logger, stoppingToken), SweepLoopAsync(stoppingToken));
    }

    /// <summary>
    /// The reply as UTF-8 JSON, kept within three quarters of <paramref name="maxPayload"/>: a node with many
    /// long topic names halves its lists until the reply fits, and says so with <c>truncated</c>.
    /// </summary>
    public static byte[] Serialize(UsageReport report, long maxPayload)
    {
        var budget = maxPayload / 4 * 3;
        var bytes = JsonSerializer.SerializeToUtf8Bytes(report, ClusterJsonContext.Default.UsageReport);
        while (bytes.Length > budget && (report.Topics.Count > 0 || report.Tenants.Count > 0))
        {
            var tenants = Half(report.Tenants);
            report = report with
            {
                Topics = Half(report.Topics),
                Tenants = tenants,
                TenantUsers = report.TenantUsers?.Where(t => tenants.ContainsKey(t.Key)).ToDictionary(StringComparer.Ordinal),
                Truncated = true,
            };
            bytes = JsonSerializer.SerializeToUtf8Bytes(report, ClusterJsonContext.Default.UsageReport);
        }

        return bytes;
    }

    /// <summary>The first half of <paramref name="items"/> in the usage order.</summary>
    private static Dictionary<string, UsageCounters> Half(IReadOnlyDictionary<string, UsageCounters> items) =>
        (UsageQuery.Default with { Limit = items.Count / 2 })
            .Top(items, c => c.PeriodConnectionMs, c => c.ConnectionMs)
            .ToDictionary(StringComparer.Ordinal);

    private async Task AnswerAsync(CancellationToken stoppingToken)
    {
        await foreach (var msg in nats.SubscribeAsync(NatsSubjects.UsageReport, serializer: RequestSerializer, cancellationToken: stoppingToken))
        {
            // A request that does not parse still gets the default report: every node must answer, or the gather waits out its timeout.
            var report = ledger.Report(identity.Id, identity.StartedAt, UsageQuery.From(msg.Data));
            report = report with { TenantUsers = users.TenantUserSets(report.Tenants.Keys, _maxExactUsers) };
            var maxPayload = nats.ServerInfo?.MaxPayload is > 0 and var max ? max : DefaultMaxPayload;
            await msg.ReplyAsync(Serialize(report, maxPayload), cancellationToken: stoppingToken);
        }
    }

    private async Task SweepLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var dropped = ledger.Sweep();
                if (dropped > 0)
                {
                    logger.LogDebug("Usage ledger forgot {Count} idle topics and tenants", dropped);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
