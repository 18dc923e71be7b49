using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>Health of a replicated resource, read from each replica's own port rather than through the proxy.</summary>
public static class ReplicaHealthExtensions
{
    internal const string HttpClientName = "replica-health";

    /// <summary>
    /// A health check that probes every running replica's own <paramref name="path"/> and reports the worst answer,
    /// naming the replicas that are not healthy: 200 <c>Healthy</c> is Healthy, 200 <c>Degraded</c> (a draining socket
    /// node) is Degraded, anything else or no answer is Unhealthy. Use instead of <c>WithHttpHealthCheck</c> on a
    /// replicated resource. In publish mode it adds nothing: a deployment probes its replicas itself.
    /// </summary>
    /// <remarks>
    /// <para>
    /// <c>WithHttpHealthCheck</c> probes the endpoint's URL, which for replicas is Aspire's round-robin proxy, and checks
    /// only the status code; ASP.NET Core answers 200 for Degraded, so a draining replica looked Healthy, and a failing
    /// one showed only when the proxy happened to pick it.
    /// </para>
    /// <para>
    /// Aspire keeps health per resource, not per replica: the result is shown on every replica of the resource. The
    /// description names the replica that drains or fails; its URLs (see <see cref="ReplicaUrlsExtensions.WithReplicaUrls"/>)
    /// tell which row it is.
    /// </para>
    /// </remarks>
    /// <param name="builder">The replicated project's resource builder.</param>
    /// <param name="path">The health endpoint on each replica.</param>
    public static IResourceBuilder<ProjectResource> WithReplicaHealthCheck(this IResourceBuilder<ProjectResource> builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(path);

        if (!builder.ApplicationBuilder.ExecutionContext.IsRunMode)
        {
            return builder;
        }

        var services = builder.ApplicationBuilder.Services;
        var key = $"{builder.Resource.Name}_replicas_{path}_check";
        services.AddHttpClient(HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(2)).RemoveAllLoggers();
        services.AddKeyedSingleton(builder.Resource.Name, (sp, _) => new ReplicaTracker(builder.Resource.Name, sp.GetRequiredService<ResourceNotificationService>()));
        services.AddHostedService(sp => sp.GetRequiredKeyedService<ReplicaTracker>(builder.Resource.Name));
        services.AddHealthChecks().Add(new HealthCheckRegistration(
            key,
            sp => new ReplicaHealthCheck(sp.GetRequiredKeyedService<ReplicaTracker>(builder.Resource.Name), path, sp.GetRequiredService<IHttpClientFactory>()),
            failureStatus: null,
            tags: null));
        return builder.WithHealthCheck(key);
    }
}
