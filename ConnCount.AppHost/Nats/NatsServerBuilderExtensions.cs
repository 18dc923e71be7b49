using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>
/// Adds a NATS server to the application model: our own small take on what Aspire.Hosting.Nats
/// does, plus a way to run without a container runtime.
/// </summary>
public static class NatsServerBuilderExtensions
{
    /// <summary>The configuration key that selects a <see cref="NatsServerMode"/>.</summary>
    public const string ModeConfigurationKey = "ConnCount:Nats:Mode";

    /// <summary>
    /// Adds a NATS server that requires a user name and password. Its connection string is
    /// <c>nats://user:password@host:port</c>, published to referencing resources as
    /// <c>ConnectionStrings__{name}</c>.
    /// </summary>
    /// <remarks>
    /// When running, <c>ConnCount:Nats:Mode</c> picks between the <c>nats-server</c> executable and the
    /// <c>nats</c> container (see <see cref="NatsServerMode"/>); when publishing it is always the container.
    /// </remarks>
    /// <param name="builder">The application builder.</param>
    /// <param name="name">The resource name, also the connection string name.</param>
    /// <param name="port">The host port clients connect to; a free port is chosen when <see langword="null"/>.</param>
    /// <param name="userName">The user name parameter; the user is <c>nats</c> when <see langword="null"/>.</param>
    /// <param name="password">The password parameter; a generated secret <c>{name}-password</c> when <see langword="null"/>.</param>
    public static IResourceBuilder<INatsServerResource> AddNatsServer(
        this IDistributedApplicationBuilder builder,
        [ResourceName] string name,
        int? port = null,
        IResourceBuilder<ParameterResource>? userName = null,
        IResourceBuilder<ParameterResource>? password = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);

        return builder.AddNatsServerCore(
            name,
            port,
            userName?.Resource,
            password?.Resource ?? ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false));
    }

    /// <summary>Adds a NATS server with the given credentials; the servers of a cluster share one password.</summary>
    internal static IResourceBuilder<INatsServerResource> AddNatsServerCore(
        this IDistributedApplicationBuilder builder,
        string name,
        int? port,
        ParameterResource? userName,
        ParameterResource password)
    {
        var credentials = new NatsServerCredentials(userName, password);

        var executable = FindExecutable(builder);
        IResourceBuilder<INatsServerResource> nats = executable is null
            ? builder.AddResource(new NatsServerContainerResource(name, credentials))
                .WithImage(NatsServerDefaults.Image, NatsServerDefaults.ImageTag)
                .WithImageRegistry(NatsServerDefaults.ImageRegistry)
                .WithEndpoint(port: port, targetPort: NatsServerDefaults.ContainerClientPort, name: NatsServerDefaults.PrimaryEndpointName)
            // No target port: DCP picks a free one behind the proxy and the args below receive it.
            : builder.AddResource(new NatsServerExecutableResource(name, executable, builder.AppHostDirectory, credentials))
                .WithEndpoint(port: port, name: NatsServerDefaults.PrimaryEndpointName);

        // A container must listen on every interface to be reachable through its port mapping;
        // a process on this machine only needs loopback.
        var listenAddress = executable is null ? "0.0.0.0" : "127.0.0.1";
        var resource = nats.Resource;

        nats.WithArgs(context =>
        {
            context.Args.Add("-a");
            context.Args.Add(listenAddress);
            context.Args.Add("-p");
            context.Args.Add(resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
            context.Args.Add("--user");
            context.Args.Add(resource.UserNameReference);
            context.Args.Add("--pass");
            context.Args.Add(resource.PasswordParameter);
        });

        var healthCheckKey = $"{name}_check";
        builder.Services.AddKeyedSingleton<NatsServerHealthCheck>(healthCheckKey);
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey,
            services => services.GetRequiredKeyedService<NatsServerHealthCheck>(healthCheckKey),
            failureStatus: default,
            tags: default,
            timeout: TimeSpan.FromSeconds(5)));

        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(resource, async (@event, cancellationToken) =>
        {
            var connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new DistributedApplicationException($"The connection string of '{resource.Name}' resolved to null.");
            await @event.Services.GetRequiredKeyedService<NatsServerHealthCheck>(healthCheckKey)
                .UseConnectionStringAsync(connectionString).ConfigureAwait(false);
        });

        return nats.WithHealthCheck(healthCheckKey);
    }

    /// <summary>
    /// Turns on the NATS HTTP monitoring endpoint (<c>/varz</c>, <c>/connz</c>, <c>/healthz</c>) as
    /// the resource's <c>monitor</c> endpoint.
    /// </summary>
    /// <param name="builder">The NATS server resource builder.</param>
    /// <param name="port">The host port; a free port is chosen when <see langword="null"/>.</param>
    public static IResourceBuilder<INatsServerResource> WithMonitoring(this IResourceBuilder<INatsServerResource> builder, int? port = null)
    {
        ArgumentNullException.ThrowIfNull(builder);

        var targetPort = builder.Resource is ContainerResource ? NatsServerDefaults.ContainerMonitorPort : (int?)null;
        builder.WithHttpEndpoint(port: port, targetPort: targetPort, name: NatsServerDefaults.MonitorEndpointName);

        var monitor = builder.Resource.GetEndpoint(NatsServerDefaults.MonitorEndpointName);
        return builder.WithArgs(context =>
        {
            context.Args.Add("-m");
            context.Args.Add(monitor.Property(EndpointProperty.TargetPort));
        });
    }

    /// <summary>
    /// Checks, before anything starts, that NATS can run here: the <c>nats-server</c> executable, or (in the
    /// default <c>auto</c> mode) a container runtime that answers. Publishing needs neither.
    /// </summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="problem">One line saying what to install and how, when NATS cannot run.</param>
    public static bool CanRunNatsServer(this IDistributedApplicationBuilder builder, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(builder);
        problem = null;
        if (builder.ExecutionContext.IsPublishMode)
        {
            return true;
        }

        // An explicit 'container' is the user's choice of runtime: the container resource reports its own failures.
        var mode = ReadMode(builder);
        if (mode == NatsServerMode.Container || FindOnPath(NatsServerDefaults.ExecutableName) is not null)
        {
            return true;
        }

        if (mode == NatsServerMode.Executable)
        {
            problem = $"ConnCount needs NATS: {ModeConfigurationKey} is 'executable' but {NatsServerDefaults.ExecutableName} is not on PATH; " +
                "install it (Debian/Ubuntu: sudo apt-get install -y nats-server; macOS: brew install nats-server) and run again.";
            return false;
        }

        var runtime = ContainerRuntimeProbe.Name(builder.Configuration);
        if (ContainerRuntimeProbe.Answers(runtime))
        {
            return true;
        }

        problem = $"ConnCount needs NATS: {NatsServerDefaults.ExecutableName} is not on PATH and no container runtime answers ('{runtime} info' failed); " +
            "install nats-server (Debian/Ubuntu: sudo apt-get install -y nats-server; macOS: brew install nats-server) or start Docker or Podman, then run again.";
        return false;
    }

    /// <summary>
    /// The full path of <c>nats-server</c> when the executable should run, or <see langword="null"/>
    /// for the container.
    /// </summary>
    private static string? FindExecutable(IDistributedApplicationBuilder builder)
    {
        // Manifests and deployments describe containers; a path on this machine means nothing there.
        if (builder.ExecutionContext.IsPublishMode)
        {
            return null;
        }

        var mode = ReadMode(builder);
        if (mode == NatsServerMode.Container)
        {
            return null;
        }

        var path = FindOnPath(NatsServerDefaults.ExecutableName);
        if (path is null && mode == NatsServerMode.Executable)
        {
            throw new DistributedApplicationException(
                $"{ModeConfigurationKey} is 'executable' but no {NatsServerDefaults.ExecutableName} was found on PATH: " +
                "install it (apt-get install nats-server) or use 'container'.");
        }

        return path;
    }

    private static NatsServerMode ReadMode(IDistributedApplicationBuilder builder)
    {
        var configured = builder.Configuration[ModeConfigurationKey];
        return string.IsNullOrEmpty(configured)
            ? NatsServerMode.Auto
            : Enum.TryParse<NatsServerMode>(configured, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
                ? parsed
                : throw new DistributedApplicationException(
                    $"'{configured}' is not a valid {ModeConfigurationKey}: use auto, executable or container.");
    }

    private static string? FindOnPath(string executableName)
    {
        var fileName = OperatingSystem.IsWindows() ? executableName + ".exe" : executableName;
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        return directories
            .Select(directory => Path.Combine(directory, fileName))
            .FirstOrDefault(File.Exists);
    }
}
