namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The credentials of a NATS server and the expressions built from them, shared by the
/// container and the executable resource so the two cannot drift apart.
/// </summary>
internal sealed class NatsServerCredentials(ParameterResource? userName, ParameterResource password)
{
    internal const string DefaultUserName = "nats";

    public ParameterResource? UserNameParameter { get; } = userName;

    public ParameterResource PasswordParameter { get; } = password;

    public ReferenceExpression UserNameReference => UserNameParameter is null
        ? ReferenceExpression.Create($"{DefaultUserName}")
        : ReferenceExpression.Create($"{UserNameParameter}");

    public ReferenceExpression ConnectionString(EndpointReference endpoint) =>
        Url(ReferenceExpression.Create($"{endpoint.Property(EndpointProperty.HostAndPort)}"));

    /// <summary><c>nats://user:password@{hostAndPort}</c>: a client connection string, or a route URL in a cluster.</summary>
    public ReferenceExpression Url(ReferenceExpression hostAndPort)
    {
        var builder = new ReferenceExpressionBuilder();
        builder.AppendLiteral("nats://");
        // URI-escaped because a user-supplied password may contain ':' or '@'.
        if (UserNameParameter is null)
        {
            builder.Append($"{DefaultUserName:uri}:{PasswordParameter:uri}@");
        }
        else
        {
            builder.Append($"{UserNameParameter:uri}:{PasswordParameter:uri}@");
        }
        builder.Append($"{hostAndPort}");
        return builder.Build();
    }

    public IEnumerable<KeyValuePair<string, ReferenceExpression>> ConnectionProperties(EndpointReference endpoint, ReferenceExpression uri)
    {
        yield return new("Host", ReferenceExpression.Create($"{endpoint.Property(EndpointProperty.Host)}"));
        yield return new("Port", ReferenceExpression.Create($"{endpoint.Property(EndpointProperty.Port)}"));
        yield return new("Username", UserNameReference);
        yield return new("Password", ReferenceExpression.Create($"{PasswordParameter}"));
        yield return new("Uri", uri);
    }
}
