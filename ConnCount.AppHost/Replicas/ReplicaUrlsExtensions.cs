using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Aspire.Hosting;

/// <summary>Shows each replica's own address in the dashboard, beside the proxy's.</summary>
public static class ReplicaUrlsExtensions
{
    /// <summary>The display text of the proxy's URL, which reaches whichever replica the proxy picks.</summary>
    internal const string ProxyUrlText = "proxy (any replica)";

    /// <summary>The display text of a replica's own URL.</summary>
    internal const string ReplicaUrlText = "this replica";

    /// <summary>
    /// Labels the <c>http</c> endpoint's URL as the proxy's and adds, to each replica, the URL it listens on itself, so
    /// an operator can tell the replicas apart and reach one (its <c>/health</c>, <c>/metrics</c>, <c>/admin/drain</c>).
    /// Run mode only: a deployment has no such per-replica ports.
    /// </summary>
    /// <remarks>
    /// Aspire's URL annotations (<c>WithUrls</c>, <c>WithUrlForEndpoint</c>) belong to the resource and so are the same on
    /// every replica; a replica's own port is only known from the environment DCP started it with. A hosted service
    /// therefore adds it to each replica's snapshot, and adds it again when DCP rebuilds the snapshot's URLs.
    /// </remarks>
    /// <param name="builder">The replicated project's resource builder.</param>
    public static IResourceBuilder<ProjectResource> WithReplicaUrls(this IResourceBuilder<ProjectResource> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        if (!builder.ApplicationBuilder.ExecutionContext.IsRunMode)
        {
            return builder;
        }

        var name = builder.Resource.Name;
        builder.ApplicationBuilder.Services.AddHostedService(sp => new ReplicaUrlPublisher(name, sp.GetRequiredService<ResourceNotificationService>()));
        return builder.WithUrlForEndpoint("http", url => url.DisplayText = ProxyUrlText);
    }
}
