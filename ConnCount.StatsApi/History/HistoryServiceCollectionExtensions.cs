namespace ConnCount.StatsApi.History;

/// <summary>Registers the cluster history: the recorder and the archive it is read from.</summary>
public static class HistoryServiceCollectionExtensions
{
    public static IServiceCollection AddHistory(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HistoryOptions>()
            .Bind(configuration.GetSection(HistoryOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.Interval <= TimeSpan.FromMinutes(1) || o.Interval.Ticks % TimeSpan.FromMinutes(1).Ticks == 0, "ConnCount:History:Interval must divide into whole minutes or be at most one minute.")
            .ValidateOnStart();
        services.AddSingleton<HistoryArchive>();
        services.AddHostedService<HistoryRecorder>();
        return services;
    }
}
