using Microsoft.Extensions.Logging;
using NATS.Client.Core;

namespace ConnCount.Cluster.Gathering;

/// <summary>Runs a NATS loop (a subscription, a registration) for the life of a service, restarting it after a failure.</summary>
public static class NatsLoop
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>How long the same failure of a loop stays quiet (debug level) after it was logged as a warning.</summary>
    internal static readonly TimeSpan RepeatQuiet = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Runs <paramref name="loop"/> until <paramref name="stoppingToken"/> is cancelled. A loop that fails (NATS
    /// unreachable, a subscription dropped, JetStream not enabled) is restarted after a second; NATS reconnection does
    /// the rest. The first failure is a warning with its exception; the same failure again within
    /// <see cref="RepeatQuiet"/> is logged at debug level only, so a lasting condition is one warning a minute, not one a second.
    /// </summary>
    public static async Task KeepRunningAsync(
        string what, Func<CancellationToken, Task> loop, ILogger logger, CancellationToken stoppingToken, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var repeats = new RepeatedFailure(time);
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
                if (!repeats.ShouldWarn(ex, out var quieted))
                {
                    logger.LogDebug("NATS loop '{Loop}' failed again: {Reason}", what, ex.Message);
                }
                else if (quieted == 0)
                {
                    logger.LogWarning(ex, "NATS loop '{Loop}' failed{Hint}; restarting", what, Hint(ex));
                }
                else
                {
                    logger.LogWarning("NATS loop '{Loop}' still fails{Hint}, {Quieted} more times in the last minute: {Reason}", what, Hint(ex), quieted, ex.Message);
                }

                await Task.Delay(RetryDelay, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private static string Hint(Exception ex) => ex is NatsNoRespondersException
        ? " (nobody answered; for a JetStream call, is nats-server running with JetStream, -js?)"
        : "";

    /// <summary>Tells a new failure (warn) from the one warned about less than <see cref="RepeatQuiet"/> ago (quiet).</summary>
    internal sealed class RepeatedFailure(TimeProvider time)
    {
        private string? _last;
        private long _warnedAt;
        private int _quieted;

        public bool ShouldWarn(Exception ex, out int quieted)
        {
            var key = ex.GetType().FullName + ": " + ex.Message;
            var now = time.GetTimestamp();
            if (key == _last && time.GetElapsedTime(_warnedAt, now) < RepeatQuiet)
            {
                _quieted++;
                quieted = 0;
                return false;
            }

            quieted = key == _last ? _quieted : 0;
            (_last, _warnedAt, _quieted) = (key, now, 0);
            return true;
        }
    }
}
