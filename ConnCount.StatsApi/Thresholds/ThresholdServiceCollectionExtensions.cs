namespace ConnCount.StatsApi.Thresholds;

/// <summary>Registers the threshold monitor of the StatsApi.</summary>
public static class ThresholdServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="ThresholdMonitor"/>, bound to <c>ConnCount:Thresholds</c>. Needs the cluster stats
    /// (<c>AddClusterStats</c>) registered.
    /// </summary>
    public static IServiceCollection AddThresholds(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ThresholdOptions>()
            .Bind(configuration.GetSection(ThresholdOptions.SectionName))
            .Validate(o => o.Interval > TimeSpan.Zero, "ConnCount:Thresholds:Interval must be positive.")
            .Validate(o => o.Rules.All(r => r.IsValid(out _)),
                "Every ConnCount:Thresholds:Rules entry needs a Name, Scope cluster|node|topic (with a Topic), Metric connections|sockets and 0 <= Down < Up.")
            .ValidateOnStart();
        services.AddHostedService<ThresholdMonitor>();
        return services;
    }
}
