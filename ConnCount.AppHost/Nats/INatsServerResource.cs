namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A NATS server in the application model, run either as a container or as a local
/// <c>nats-server</c> executable. Both shapes expose the same connection string,
/// <c>nats://user:password@host:port</c>, so referencing services never know which one runs.
/// </summary>
public interface INatsServerResource : IResourceWithConnectionString, IResourceWithEndpoints, IResourceWithArgs, IResourceWithWaitSupport
{
    /// <summary>The client (<c>tcp</c>) endpoint.</summary>
    EndpointReference PrimaryEndpoint { get; }

    /// <summary>The user name clients authenticate with.</summary>
    ReferenceExpression UserNameReference { get; }

    /// <summary>The password clients authenticate with.</summary>
    ParameterResource PasswordParameter { get; }
}
