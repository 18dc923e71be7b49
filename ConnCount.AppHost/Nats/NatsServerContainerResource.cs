namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A NATS server run from the <c>nats</c> container image: used where a container runtime is
/// available and always when publishing.
/// </summary>
public sealed class NatsServerContainerResource : ContainerResource, INatsServerResource
{
    private readonly NatsServerCredentials _credentials;

    internal NatsServerContainerResource(string name, NatsServerCredentials credentials) : base(name)
    {
        _credentials = credentials;
        PrimaryEndpoint = new(this, NatsServerDefaults.PrimaryEndpointName);
    }

    /// <inheritdoc />
    public EndpointReference PrimaryEndpoint { get; }

    /// <inheritdoc />
    public ReferenceExpression UserNameReference => _credentials.UserNameReference;

    /// <inheritdoc />
    public ParameterResource PasswordParameter => _credentials.PasswordParameter;

    /// <inheritdoc />
    public ReferenceExpression ConnectionStringExpression => _credentials.ConnectionString(PrimaryEndpoint);

    IEnumerable<KeyValuePair<string, ReferenceExpression>> IResourceWithConnectionString.GetConnectionProperties() =>
        _credentials.ConnectionProperties(PrimaryEndpoint, ConnectionStringExpression);
}
