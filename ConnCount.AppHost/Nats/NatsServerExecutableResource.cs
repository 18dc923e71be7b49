namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A NATS server run from a <c>nats-server</c> executable found on <c>PATH</c>: how the
/// application runs on machines without a container runtime.
/// </summary>
public sealed class NatsServerExecutableResource : ExecutableResource, INatsServerResource
{
    private readonly NatsServerCredentials _credentials;

    internal NatsServerExecutableResource(string name, string command, string workingDirectory, NatsServerCredentials credentials)
        : base(name, command, workingDirectory)
    {
        _credentials = credentials;
        PrimaryEndpoint = new(this, NatsServerDefaults.PrimaryEndpointName);
    }

    /// <inheritdoc />
    public EndpointReference PrimaryEndpoint { get; }

    internal NatsServerCredentials Credentials => _credentials;

    /// <inheritdoc />
    public ReferenceExpression UserNameReference => _credentials.UserNameReference;

    /// <inheritdoc />
    public ParameterResource PasswordParameter => _credentials.PasswordParameter;

    /// <inheritdoc />
    public ReferenceExpression ConnectionStringExpression => _credentials.ConnectionString(PrimaryEndpoint);

    IEnumerable<KeyValuePair<string, ReferenceExpression>> IResourceWithConnectionString.GetConnectionProperties() =>
        _credentials.ConnectionProperties(PrimaryEndpoint, ConnectionStringExpression);
}
