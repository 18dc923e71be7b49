using Microsoft.Extensions.Logging;

namespace ConnCount.Cluster.Gathering;

/// <summary>Runs a NATS loop (a subscription, a registration) for the life of a service, restarting it after a failure.</summary>
public static class NatsLoop
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Runs <paramref name="loop"/> until <paramref name="stoppingToken"/> is cancelled. A loop that fails (NATS
    /// unreachable, a subscription dropped) is logged and restarted after a second; NATS reconnection does the rest.
    /// </summary>
    public static async Task KeepRunningAsync(string what, Func<CancellationToken, Task> loop, ILogger logger, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await loop(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "NATS loop '{Loop}' failed; restarting", what);
                await Task.Delay(RetryDelay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }
}
