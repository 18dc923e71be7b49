using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting;

/// <summary>
/// Fixed, documented local ports for a developer's <c>dotnet run</c>, which tests turn off.
/// </summary>
public static class LocalPortExtensions
{
    /// <summary>
    /// When <see langword="true"/>, every endpoint gets a free port instead of its fixed one, so a test
    /// run never collides with a running AppHost (<c>--ConnCount:RandomPorts=true</c>).
    /// </summary>
    public const string RandomPortsConfigurationKey = "ConnCount:RandomPorts";

    /// <summary>
    /// With <c>ConnCount:RandomPorts</c>, moves the AppHost's own fixed ports (dashboard 15080, its OTLP endpoint
    /// 19080 and the resource service 20080, from the launch profile) to free ones too, so two local clusters can
    /// run side by side. Call it right after creating the builder.
    /// </summary>
    /// <param name="builder">The application builder.</param>
    public static IDistributedApplicationBuilder WithRandomLocalPortsWhenAsked(this IDistributedApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.ExecutionContext.IsPublishMode || !builder.Configuration.GetValue<bool>(RandomPortsConfigurationKey))
        {
            return builder;
        }

        foreach (var key in (string[])["ASPNETCORE_URLS", "ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL", "ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"])
        {
            if (builder.Configuration[key] is { Length: > 0 })
            {
                builder.Configuration[key] = "http://localhost:0";
            }
        }

        return builder;
    }

    /// <summary>
    /// Sets the host port of the <c>http</c> endpoint, the one Aspire's proxy listens on in front of
    /// every replica, unless <c>ConnCount:RandomPorts</c> is set. Publishing is left alone: a port on a
    /// developer's machine means nothing to a deployment.
    /// </summary>
    /// <param name="builder">The project resource builder.</param>
    /// <param name="port">The fixed local port.</param>
    public static IResourceBuilder<ProjectResource> WithLocalHttpPort(this IResourceBuilder<ProjectResource> builder, int port)
    {
        ArgumentNullException.ThrowIfNull(builder);

        if (builder.ApplicationBuilder.ExecutionContext.IsPublishMode)
        {
            return builder;
        }

        var randomPorts = builder.ApplicationBuilder.Configuration.GetValue<bool>(RandomPortsConfigurationKey);
        // Null rather than the launch profile's port, which would otherwise be used.
        return builder.WithEndpoint("http", endpoint => endpoint.Port = randomPorts ? null : port);
    }
}
