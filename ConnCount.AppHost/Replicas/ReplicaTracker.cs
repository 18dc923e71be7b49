using System.Collections.Concurrent;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Hosting;

namespace Aspire.Hosting;

/// <summary>
/// The latest snapshot of every replica of one resource, followed from the resource notifications: Aspire keeps
/// the list of a resource's replicas to itself.
/// </summary>
internal sealed class ReplicaTracker(string resourceName, ResourceNotificationService notifications) : BackgroundService
{
    private readonly ConcurrentDictionary<string, CustomResourceSnapshot> _replicas = new(StringComparer.Ordinal);

    /// <summary>The resource whose replicas this follows.</summary>
    public string ResourceName => resourceName;

    /// <summary>Each replica's id and its address, for the replicas that are running and whose address is known.</summary>
    public IReadOnlyList<(string ReplicaId, Uri Address)> Running() =>
    [
        .. _replicas
            .Where(r => r.Value.State?.Text == KnownResourceStates.Running)
            .Select(r => (r.Key, Address: ReplicaAddress.Of(r.Value)))
            .Where(r => r.Address is not null)
            .Select(r => (r.Key, r.Address!))
            .OrderBy(r => r.Key, StringComparer.Ordinal),
    ];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var resourceEvent in notifications.WatchAsync(stoppingToken))
        {
            if (resourceEvent.Resource.Name == resourceName)
            {
                _replicas[resourceEvent.ResourceId] = resourceEvent.Snapshot;
            }
        }
    }
}
