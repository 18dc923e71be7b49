namespace ConnCount.StatsApi.Auth;

/// <summary>
/// Refuses to start outside Development when no API key is configured, so a deployment never serves
/// the stats to anyone by accident; in Development it warns and lets everyone in.
/// </summary>
public sealed partial class ApiKeyStartupCheck(ApiKeyStore keys, IHostEnvironment environment, ILogger<ApiKeyStartupCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!keys.IsOpen)
        {
            LogKeysConfigured(keys.Count);
            return Task.CompletedTask;
        }

        if (!environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                $"No API key is configured for the stats API (environment '{environment.EnvironmentName}'). " +
                "Set ConnCount:Api:Key (environment variable ConnCount__Api__Key) or ConnCount:Api:Keys; " +
                "only the Development environment runs without a key.");
        }

        LogOpen();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "No API key configured (ConnCount:Api:Key): the stats endpoints are open to anyone. This is allowed in Development only.")]
    private partial void LogOpen();

    [LoggerMessage(Level = LogLevel.Information, Message = "Stats endpoints require an API key; {Count} key(s) configured.")]
    private partial void LogKeysConfigured(int count);
}
