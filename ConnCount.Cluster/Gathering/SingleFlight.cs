namespace ConnCount.Cluster.Gathering;

/// <summary>
/// At most one run per key at a time: a caller that arrives while a run of its key is under way shares that run
/// instead of starting another, so a thousand pollers cost one gather. Once a run ends, the next caller of its key
/// starts a new one; nothing is cached beyond the run.
/// </summary>
/// <remarks>
/// The caller that starts a run runs it itself, with no thread hop before its work begins; callers that join it
/// wait on a shared task whose continuations run on the thread pool, so the one thread that finishes the run is
/// not made to finish every joined request. A caller's cancellation ends its own wait, never the shared run.
/// </remarks>
internal sealed class SingleFlight<TKey, TResult>(IEqualityComparer<TKey>? comparer = null)
    where TKey : notnull
{
    private readonly Lock _gate = new();
    private readonly Dictionary<TKey, Task<TResult>> _inFlight = new(comparer);

    /// <summary>The result of the run of <paramref name="key"/> under way, or of a new one of <paramref name="run"/>.</summary>
    public Task<TResult> RunAsync(TKey key, Func<TKey, Task<TResult>> run, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource<TResult>? started = null;
        Task<TResult>? shared;
        lock (_gate)
        {
            if (!_inFlight.TryGetValue(key, out shared))
            {
                started = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
                _inFlight[key] = shared = started.Task;
            }
        }

        return started is null
            ? shared.WaitAsync(cancellationToken)
            : RunSharedAsync(key, run, started).WaitAsync(cancellationToken);
    }

    /// <summary>Runs once for everyone who joins; the key is free again before anyone sees the result.</summary>
    private async Task<TResult> RunSharedAsync(TKey key, Func<TKey, Task<TResult>> run, TaskCompletionSource<TResult> shared)
    {
        try
        {
            var result = await run(key);
            End(key);
            shared.SetResult(result);
            return result;
        }
        catch (Exception ex)
        {
            End(key);
            shared.SetException(ex);
            // Marked observed: when no other caller joined, the starter's own rethrow is the one that reports it.
            _ = shared.Task.Exception;
            throw;
        }
    }

    private void End(TKey key)
    {
        lock (_gate)
        {
            _inFlight.Remove(key);
        }
    }
}
