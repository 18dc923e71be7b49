namespace ConnCount.AppHost.Tests;

/// <summary>Bounded polling: the way these tests wait for a distributed state instead of sleeping.</summary>
public static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Probes until <paramref name="done"/> holds or <paramref name="timeout"/> passes, and returns the last
    /// value seen either way, so the caller's assertion shows what the state was when time ran out.
    /// A probe that throws is retried; if no probe ever succeeded, the last exception is rethrown.
    /// </summary>
    public static async Task<T> ReachAsync<T>(
        Func<CancellationToken, Task<T>> probe,
        Func<T, bool> done,
        TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var timer = new PeriodicTimer(PollInterval);

        var seen = false;
        T last = default!;
        Exception? lastError = null;
        while (true)
        {
            try
            {
                last = await probe(deadline.Token);
                seen = true;
                lastError = null;
                if (done(last))
                {
                    return last;
                }
            }
            catch (Exception ex) when (!deadline.IsCancellationRequested)
            {
                lastError = ex;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                break;
            }

            try
            {
                await timer.WaitForNextTickAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }

        if (!seen || lastError is not null)
        {
            throw new TimeoutException($"No successful probe within {timeout}.", lastError);
        }

        return last;
    }
}
