using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ConnCount.Cluster.Durable;

/// <summary>Registers <see cref="DurableUsageOptions"/>, which nodes and the StatsApi share.</summary>
public static class DurableUsageServiceCollectionExtensions
{
    /// <summary>Binds <see cref="DurableUsageOptions"/> to <c>ConnCount:Usage:Durable</c>, validated at start.</summary>
    public static IServiceCollection AddDurableUsageOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DurableUsageOptions>()
            .Bind(configuration.GetSection(DurableUsageOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return services;
    }
}
