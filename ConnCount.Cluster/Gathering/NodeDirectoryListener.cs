using ConnCount.Cluster.Contracts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;

namespace ConnCount.Cluster.Gathering;

/// <summary>
/// Keeps the <see cref="NodeDirectory"/> current from the nodes' heartbeats and goodbyes, and asks every
/// node to announce itself when it starts so the first gather already knows whom to expect.
/// </summary>
public sealed class NodeDirectoryListener(
    INatsConnection nats,
    NodeDirectory directory,
    ILogger<NodeDirectoryListener> logger) : BackgroundService
{
    private static readonly NatsJsonContextSerializer<NodeAnnouncement> Serializer = new(ClusterJsonContext.Default);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Yield so a NATS outage at start does not hold up the host.
        await Task.Yield();
        var heartbeats = ListenAsync(NatsSubjects.Heartbeat, directory.Observe, stoppingToken);
        var goodbyes = ListenAsync(NatsSubjects.Goodbye, directory.Remove, stoppingToken);
        await DiscoverAsync(stoppingToken);
        await Task.WhenAll(heartbeats, goodbyes);
    }

    private async Task DiscoverAsync(CancellationToken stoppingToken)
    {
        try
        {
            await nats.ConnectAsync();
            await nats.PublishAsync(NatsSubjects.Discover, cancellationToken: stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Heartbeats fill the directory within one interval anyway.
            logger.LogWarning(ex, "Could not ask the nodes to announce themselves");
        }
    }

    private Task ListenAsync(string subject, Action<NodeAnnouncement> apply, CancellationToken stoppingToken) =>
        NatsLoop.KeepRunningAsync($"listen on {subject}", async ct =>
        {
            await foreach (var msg in nats.SubscribeAsync(subject, serializer: Serializer, cancellationToken: ct))
            {
                if (msg.Data is { Node.Length: > 0 } announcement)
                {
                    apply(announcement);
                }
                else
                {
                    logger.LogWarning("Ignored a malformed node announcement on {Subject}", subject);
                }
            }
        }, logger, stoppingToken);
}
