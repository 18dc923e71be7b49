namespace ConnCount.StatsApi.Auth;

/// <summary>
/// Refuses to start outside Development when no API key is configured, so a deployment never serves
/// the stats to anyone by accident; in Development it warns and lets everyone read. Refuses, everywhere, a key
/// configured both as a read key and as an admin key: whoever holds it for reading could drain nodes. Refuses a key
/// longer than <see cref="ApiKeyStore.MaxKeyBytes"/> UTF-8 bytes, which could never be matched.
/// </summary>
public sealed partial class ApiKeyStartupCheck(ApiKeyStore keys, IHostEnvironment environment, ILogger<ApiKeyStartupCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (keys.AnyKeyInBothLists)
        {
            throw new InvalidOperationException(
                "A key is configured both in ConnCount:Api:Key(s) and in ConnCount:Api:AdminKey(s); an admin key must differ from every read key.");
        }

        if (keys.AnyKeyTooLong)
        {
            throw new InvalidOperationException(
                $"A key configured under ConnCount:Api is longer than {ApiKeyStore.MaxKeyBytes} bytes (UTF-8); use a shorter key.");
        }

        if (!keys.IsOpen)
        {
            LogKeysConfigured(keys.Count, keys.AdminCount);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Stats endpoints require an API key; {Count} read key(s) and {AdminCount} admin key(s) configured.")]
    private partial void LogKeysConfigured(int count, int adminCount);
}
