using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Aspire.Hosting;

/// <summary>Orders the AppHost's shutdown: the services first, while NATS still runs.</summary>
public static class OrderedShutdownExtensions
{
    /// <summary>
    /// Stops this resource (every replica) before the rest of the application when the AppHost stops, so it can say
    /// goodbye over NATS. Nothing changes for publishing: a deployment's orchestrator stops what it stops.
    /// </summary>
    public static IResourceBuilder<T> StopsBeforeNats<T>(this IResourceBuilder<T> builder) where T : IResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.ApplicationBuilder.ExecutionContext.IsPublishMode)
        {
            return builder;
        }

        builder.ApplicationBuilder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, OrderedShutdown>());
        return builder.WithAnnotation(new StopFirstAnnotation());
    }
}
