using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Hosting;

namespace Aspire.Hosting;

/// <summary>Adds each replica's own address (<see cref="ReplicaAddress"/>) to that replica's URLs in the dashboard.</summary>
internal sealed class ReplicaUrlPublisher(string resourceName, ResourceNotificationService notifications) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var resourceEvent in notifications.WatchAsync(stoppingToken))
        {
            if (resourceEvent.Resource.Name != resourceName || ReplicaAddress.Of(resourceEvent.Snapshot) is not { } address)
            {
                continue;
            }

            // Also the answer to our own update, and to every DCP update that rebuilt the URLs from the resource's annotations.
            var url = address.ToString();
            if (resourceEvent.Snapshot.Urls.Any(u => u.Url == url))
            {
                continue;
            }

            await notifications.PublishUpdateAsync(resourceEvent.Resource, resourceEvent.ResourceId, snapshot => snapshot with
            {
                Urls = [.. snapshot.Urls, new UrlSnapshot(Name: null, Url: url, IsInternal: false)
                {
                    DisplayProperties = new UrlDisplayPropertiesSnapshot(ReplicaUrlsExtensions.ReplicaUrlText, SortOrder: 1),
                }],
            });
        }
    }
}
