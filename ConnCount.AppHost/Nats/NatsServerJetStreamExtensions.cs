using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>
/// Turns on JetStream, NATS's persistence, with a store that outlives the server: ConnCount keeps its durable usage
/// records there (stream <c>CONNCOUNT_USAGE</c> and the closed-periods bucket, created by the services).
/// </summary>
public static class NatsServerJetStreamExtensions
{
    /// <summary>
    /// The configuration key with the folder that holds the <c>nats-server</c> executables' stores, one sub-folder per
    /// server; a relative path is relative to the AppHost project directory.
    /// </summary>
    public const string DataPathConfigurationKey = "ConnCount:Nats:DataPath";

    /// <summary>The default of <see cref="DataPathConfigurationKey"/>, relative to the AppHost project directory.</summary>
    public const string DefaultDataPath = ".data/nats";

    /// <summary>Where the store lives inside the <c>nats</c> container: the mount point of its volume.</summary>
    public const string ContainerDataPath = "/data";

    /// <summary>
    /// Starts the server with JetStream (<c>-js</c>) and a store directory (<c>-sd</c>) that survives a restart of the
    /// server and of the AppHost.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The <c>nats-server</c> executable stores in <c>{dataPath}/{resource name}</c>, created before the server starts,
    /// so every server of a cluster has its own folder (JetStream clustering needs that).
    /// </para>
    /// <para>
    /// The container (and so the published manifest) stores in <c>/data</c>, a named volume <see cref="VolumeName"/>.
    /// </para>
    /// </remarks>
    /// <param name="builder">The NATS server resource builder.</param>
    /// <param name="dataPath">
    /// The folder of the executables' stores; when <see langword="null"/>, <c>ConnCount:Nats:DataPath</c>, else
    /// <see cref="DefaultDataPath"/>. A relative path is relative to the AppHost project directory.
    /// </param>
    public static IResourceBuilder<INatsServerResource> WithJetStream(this IResourceBuilder<INatsServerResource> builder, string? dataPath = null)
    {
        ArgumentNullException.ThrowIfNull(builder);

        var application = builder.ApplicationBuilder;
        var resource = builder.Resource;
        string storeDirectory;
        if (resource is NatsServerContainerResource container)
        {
            storeDirectory = ContainerDataPath;
            application.CreateResourceBuilder(container).WithVolume(VolumeName(resource.Name), ContainerDataPath);
        }
        else
        {
            storeDirectory = StoreDirectory(application, resource.Name, dataPath);
            // nats-server would create it too; creating it here makes an unusable path fail before the server starts,
            // with the path in the message.
            builder.OnBeforeResourceStarted((_, _, _) =>
            {
                Directory.CreateDirectory(storeDirectory);
                return Task.CompletedTask;
            });
        }

        return builder.WithArgs(context =>
        {
            context.Args.Add("-js");
            context.Args.Add("-sd");
            context.Args.Add(storeDirectory);
        });
    }

    /// <summary>The name of a container server's store volume: <c>conncount-{resource name}-data</c>.</summary>
    public static string VolumeName(string resourceName)
    {
        ArgumentException.ThrowIfNullOrEmpty(resourceName);
        return $"conncount-{resourceName.ToLowerInvariant()}-data";
    }

    /// <summary>The full path of an executable server's store: <c>{data path}/{resource name}</c>.</summary>
    internal static string StoreDirectory(IDistributedApplicationBuilder builder, string resourceName, string? dataPath = null)
    {
        var root = dataPath
            ?? (builder.Configuration[DataPathConfigurationKey] is { Length: > 0 } configured ? configured : DefaultDataPath);
        return Path.GetFullPath(Path.Combine(builder.AppHostDirectory, root, resourceName));
    }
}
