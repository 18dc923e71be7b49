using System.Globalization;
using System.Text;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting;

/// <summary>
/// Adds the application's NATS: one server, or a cluster of servers routed to one another, and connects
/// services to it so that their replicas spread over the servers.
/// </summary>
public static class NatsServerGroupBuilderExtensions
{
    /// <summary>The configuration key with the number of NATS servers; 1 (the default) is a single server.</summary>
    public const string ServersConfigurationKey = "ConnCount:Nats:Servers";

    // DCP, which launches every replica, expands Go templates in environment values with the replica's own
    // annotations in scope: Aspire sets each replica's OTEL_RESOURCE_ATTRIBUTES the same way. Aspire has no
    // other way to give replicas of one project different values.
    private const string ReplicaIndexTemplate = """{{- $replica := index .Annotations "resource-replica-index" -}}""";

    /// <summary>
    /// Adds the NATS of the application. With <c>ConnCount:Nats:Servers</c> unset or 1 it is one server,
    /// <paramref name="name"/>. With n &gt; 1 it is n <c>nats-server</c> processes, <c>{name}-0</c> …
    /// <c>{name}-(n-1)</c>, sharing one generated password and routed to one another as a cluster, so a
    /// message published on any server reaches subscribers on every other. Every server runs JetStream with its own
    /// store (<see cref="NatsServerJetStreamExtensions.WithJetStream"/>); in a cluster the servers form one JetStream
    /// cluster, named by <c>--cluster_name</c>, each server known by its <c>--server_name</c>.
    /// </summary>
    /// <remarks>
    /// Each server tells its clients the addresses of the others, so a client whose server stops reconnects
    /// to another one although its connection string names only its own. A cluster runs the
    /// <c>nats-server</c> executable only, and publishing always describes a single server container.
    /// </remarks>
    /// <param name="builder">The application builder.</param>
    /// <param name="name">The connection string name, and the name of the single server.</param>
    /// <exception cref="DistributedApplicationException">The server count is not a whole number of at least 1, or a cluster would run as containers.</exception>
    public static NatsServerGroup AddNats(this IDistributedApplicationBuilder builder, [ResourceName] string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);

        var count = ReadServerCount(builder);
        if (count == 1)
        {
            return new NatsServerGroup(name, [builder.AddNatsServer(name).WithMonitoring().WithJetStream()]);
        }

        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var servers = Enumerable.Range(0, count)
            .Select(i => builder.AddNatsServerCore($"{name}-{i}", port: null, userName: null, password).WithMonitoring().WithJetStream())
            .ToList();

        if (servers.Any(s => s.Resource is not NatsServerExecutableResource))
        {
            throw new DistributedApplicationException(
                $"{ServersConfigurationKey}={count} runs a cluster of {NatsServerDefaults.ExecutableName} processes, " +
                $"and none was found on PATH (or {NatsServerBuilderExtensions.ModeConfigurationKey} asks for containers): " +
                $"install it (apt-get install nats-server) or use one server.");
        }

        foreach (var server in servers)
        {
            server.WithEndpoint(name: NatsServerDefaults.ClusterEndpointName);
        }

        foreach (var server in servers)
        {
            server.WithRoutesTo(servers.Where(peer => peer != server).Select(peer => peer.Resource).ToList());
        }

        return new NatsServerGroup(name, servers);
    }

    /// <summary>
    /// Connects a service to NATS: its <c>ConnectionStrings__{name}</c>, and it starts once every server is healthy.
    /// In a cluster, replica <c>i</c> connects to server <c>i mod n</c>, so the replicas of one project sit on
    /// different servers and every gather crosses routes.
    /// </summary>
    /// <param name="builder">The service's resource builder.</param>
    /// <param name="nats">The NATS servers from <see cref="AddNats"/>.</param>
    public static IResourceBuilder<T> WithNats<T>(this IResourceBuilder<T> builder, NatsServerGroup nats)
        where T : IResourceWithEnvironment, IResourceWithWaitSupport
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(nats);

        if (!nats.IsCluster)
        {
            return builder.WithReference(nats.Servers[0]).WaitFor(nats.Servers[0]);
        }

        foreach (var server in nats.Servers)
        {
            builder.WaitFor(server).WithReferenceRelationship(server.Resource);
        }

        return builder.WithEnvironment(async context =>
        {
            var urls = new List<string>(nats.Servers.Count);
            foreach (var server in nats.Servers)
            {
                urls.Add(await server.Resource.ConnectionStringExpression.GetValueAsync(context.CancellationToken).ConfigureAwait(false)
                    ?? throw new DistributedApplicationException($"The connection string of '{server.Resource.Name}' resolved to null."));
            }

            // The replica count is read here, not when WithNats is called, so WithReplicas may come later.
            context.EnvironmentVariables[$"ConnectionStrings__{nats.ConnectionName}"] =
                PerReplica(context.Resource.GetReplicaCount(), replica => urls[replica % urls.Count]);
        });
    }

    /// <summary>
    /// Makes the server part of the cluster: it listens for routes on its <c>cluster</c> endpoint, solicits a
    /// route to every peer, and both routes and clients authenticate with the cluster's credentials.
    /// </summary>
    private static IResourceBuilder<INatsServerResource> WithRoutesTo(this IResourceBuilder<INatsServerResource> builder, IReadOnlyList<INatsServerResource> peers)
    {
        var server = (NatsServerExecutableResource)builder.Resource;
        var credentials = server.Credentials;
        var cluster = server.GetEndpoint(NatsServerDefaults.ClusterEndpointName);

        return builder.WithArgs(context =>
        {
            context.Args.Add("--server_name");
            context.Args.Add(server.Name);
            context.Args.Add("--cluster_name");
            context.Args.Add(NatsServerDefaults.ClusterName);
            context.Args.Add("--cluster");
            context.Args.Add(credentials.Url(ReferenceExpression.Create($"127.0.0.1:{cluster.Property(EndpointProperty.TargetPort)}")));
            context.Args.Add("--routes");
            context.Args.Add(Join(peers.Select(peer => credentials.Url(ReferenceExpression.Create(
                $"{peer.GetEndpoint(NatsServerDefaults.ClusterEndpointName).Property(EndpointProperty.HostAndPort)}")))));
            // Servers tell clients and peers where to find them; by default that is the port each listens on behind
            // Aspire's proxy. The proxied addresses are the ones the connection strings use.
            context.Args.Add("--client_advertise");
            context.Args.Add(ReferenceExpression.Create($"{server.PrimaryEndpoint.Property(EndpointProperty.HostAndPort)}"));
            context.Args.Add("--cluster_advertise");
            context.Args.Add(ReferenceExpression.Create($"{cluster.Property(EndpointProperty.HostAndPort)}"));
        });
    }

    private static ReferenceExpression Join(IEnumerable<ReferenceExpression> urls)
    {
        var list = new ReferenceExpressionBuilder();
        foreach (var url in urls)
        {
            if (!list.IsEmpty)
            {
                list.AppendLiteral(",");
            }

            list.Append($"{url}");
        }

        return list.Build();
    }

    /// <summary>A value that DCP expands to <paramref name="valueFor"/>(i) in replica i.</summary>
    /// <remarks>The values must not contain <c>{{</c>; connection strings cannot, their credentials being URI-escaped.</remarks>
    internal static string PerReplica(int replicas, Func<int, string> valueFor)
    {
        if (replicas <= 1)
        {
            return valueFor(0);
        }

        var template = new StringBuilder(ReplicaIndexTemplate);
        for (var replica = 0; replica < replicas - 1; replica++)
        {
            template.Append(CultureInfo.InvariantCulture, $"{{{{- {(replica == 0 ? "if" : "else if")} eq $replica \"{replica}\" -}}}}");
            template.Append(valueFor(replica));
        }

        template.Append("{{- else -}}").Append(valueFor(replicas - 1)).Append("{{- end -}}");
        return template.ToString();
    }

    private static int ReadServerCount(IDistributedApplicationBuilder builder)
    {
        // A cluster here is nats-server processes on this machine; a deployment gets one NATS container.
        if (builder.ExecutionContext.IsPublishMode)
        {
            return 1;
        }

        var configured = builder.Configuration[ServersConfigurationKey];
        if (string.IsNullOrEmpty(configured))
        {
            return 1;
        }

        return int.TryParse(configured, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= 1
            ? count
            : throw new DistributedApplicationException($"'{configured}' is not a valid {ServersConfigurationKey}: use a whole number of at least 1.");
    }
}
