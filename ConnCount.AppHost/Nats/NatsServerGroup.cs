namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The NATS servers the services connect to: one server, or several routed into one cluster. Services
/// join it with <see cref="NatsServerGroupBuilderExtensions.WithNats{T}"/>, which spreads their replicas over the servers.
/// </summary>
public sealed class NatsServerGroup
{
    internal NatsServerGroup(string connectionName, IReadOnlyList<IResourceBuilder<INatsServerResource>> servers)
    {
        ConnectionName = connectionName;
        Servers = servers;
    }

    /// <summary>The connection string name services read (<c>ConnectionStrings__{name}</c>).</summary>
    public string ConnectionName { get; }

    /// <summary>The servers: a single <c>{name}</c>, or <c>{name}-0</c> … <c>{name}-(n-1)</c> in a cluster.</summary>
    public IReadOnlyList<IResourceBuilder<INatsServerResource>> Servers { get; }

    /// <summary>Whether the servers form a cluster (more than one server).</summary>
    public bool IsCluster => Servers.Count > 1;
}
