namespace Aspire.Hosting;

/// <summary>
/// Tells a project that, when run locally, its clients arrive through Aspire's own proxy on loopback.
/// </summary>
public static class LocalProxyExtensions
{
    /// <summary>The prefix of the node's <c>ConnCount:Proxy:TrustedProxies</c> entries as environment variables.</summary>
    internal const string TrustedProxyVariablePrefix = "ConnCount__Proxy__TrustedProxies__";

    /// <summary>
    /// Trusts loopback as the proxy in front of the replicas when the app runs locally; publishing is left alone, as a
    /// deployment's ingress has addresses of its own (docs/protection.md).
    /// </summary>
    /// <remarks>
    /// With replicas, Aspire's orchestrator puts a TCP proxy in front of them: every connection reaches a replica
    /// from loopback and no forwarding header is added. Trusting loopback as that proxy keeps the node from treating
    /// the proxy as one client (its per-address limits would then refuse everyone once one client floods); the node
    /// cannot tell the clients behind it apart, so only node-wide limits apply to them locally.
    /// </remarks>
    /// <param name="builder">The project resource builder.</param>
    public static IResourceBuilder<ProjectResource> WithLocalProxyTrusted(this IResourceBuilder<ProjectResource> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        if (builder.ApplicationBuilder.ExecutionContext.IsPublishMode)
        {
            return builder;
        }

        return builder
            .WithEnvironment(TrustedProxyVariablePrefix + "0", "127.0.0.1")
            .WithEnvironment(TrustedProxyVariablePrefix + "1", "::1");
    }
}
