using ConnCount.Cluster.Contracts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;

namespace ConnCount.Cluster.Gathering;

/// <summary>
/// Keeps the <see cref="NodeDirectory"/> current from the nodes' heartbeats and goodbyes, and asks every
/// node to announce itself when it starts so the first gather already knows whom to expect. Tells the directory
/// when this process's NATS connection drops and returns, so an outage of its own is not taken for the nodes' death.
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
        nats.ConnectionDisconnected += OnDisconnected;
        nats.ConnectionOpened += OnOpened;
        using var unsubscribe = stoppingToken.Register(() =>
        {
            nats.ConnectionDisconnected -= OnDisconnected;
            nats.ConnectionOpened -= OnOpened;
        });
        var heartbeats = ListenAsync(NatsSubjects.Heartbeat, directory.Observe, stoppingToken);
        var goodbyes = ListenAsync(NatsSubjects.Goodbye, directory.Remove, stoppingToken);
        await DiscoverAsync(stoppingToken);
        await Task.WhenAll(heartbeats, goodbyes);
    }

    private ValueTask OnDisconnected(object? sender, NatsEventArgs args)
    {
        directory.Disconnected();
        return ValueTask.CompletedTask;
    }

    private ValueTask OnOpened(object? sender, NatsEventArgs args)
    {
        directory.Reconnected();
        return ValueTask.CompletedTask;
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
