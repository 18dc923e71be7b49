using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

/// <summary>
/// On AppHost stop (Ctrl+C), stops the resources marked <see cref="StopFirstAnnotation"/> (the socket nodes and the
/// API) and waits for them to exit, before the orchestrator stops the rest (NATS) all at once: a node that stops
/// while NATS still runs closes its sockets with 1001 and publishes its goodbye, so the others drop it at once.
/// </summary>
/// <remarks>
/// Registered after Aspire's own hosted services, so the host stops it first. Bounded by <see cref="Timeout"/>: a
/// resource that does not stop in time is left to the orchestrator.
/// </remarks>
internal sealed class OrderedShutdown(
    DistributedApplicationModel model,
    ResourceCommandService commands,
    ResourceNotificationService notifications,
    ILogger<OrderedShutdown> logger) : IHostedService
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private static readonly HashSet<string> Stopped = new(StringComparer.Ordinal)
    {
        KnownResourceStates.Exited,
        KnownResourceStates.Finished,
        KnownResourceStates.FailedToStart,
    };

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var first = model.Resources.Where(r => r.Annotations.OfType<StopFirstAnnotation>().Any()).ToList();
        if (first.Count == 0)
        {
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await Task.WhenAll(first.Select(r => StopAsync(r, timeout.Token)));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            logger.LogWarning("Not every service stopped within {Timeout}; stopping the rest together", Timeout);
        }
    }

    private async Task StopAsync(IResource resource, CancellationToken cancellationToken)
    {
        var result = await commands.ExecuteCommandAsync(resource, KnownResourceCommands.StopCommand, cancellationToken);
        if (!result.Success)
        {
            logger.LogDebug("Stopping {Resource} first did not succeed: {Message}", resource.Name, result.Message);
            return;
        }

        // The watch replays every instance's (replica's) current state first, then follows their changes.
        var stopped = new Dictionary<string, bool>(StringComparer.Ordinal);
        await notifications.WaitForResourceAsync(resource.Name, e =>
        {
            stopped[e.ResourceId] = e.Snapshot.State?.Text is { } state && Stopped.Contains(state);
            return stopped.Values.All(s => s);
        }, cancellationToken);
    }
}
