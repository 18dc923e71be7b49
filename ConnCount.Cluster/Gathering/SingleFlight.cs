namespace ConnCount.Cluster.Gathering;

/// <summary>
/// Coalesces runs per key without ever answering from the past: a caller shares only a run that <em>starts after it
/// arrived</em>. The first caller of an idle key starts a run at once; callers that arrive while it is under way share
/// the next run, which starts the moment the current one ends. So a thousand pollers cost one run per run's length,
/// and every answer reflects everything that happened before its caller asked.
/// </summary>
/// <remarks>
/// <para>
/// For the gathers that is read-your-writes: a node counts a join before it acknowledges it, so a gather whose
/// scatter is sent after a request arrived sees every join and leave acknowledged before that request. Sharing a
/// gather already in flight would not: its scatter may have gone out before the join was counted.
/// </para>
/// <para>
/// The caller that starts an idle key's run runs it itself, with no thread hop before its work begins; the next run
/// starts on the thread that ended the one before. The starter gets its result on the thread that finished the work;
/// the others get theirs through tasks whose continuations run on the thread pool, so the one thread that finishes a
/// run is not made to finish every caller's request. A caller's
/// cancellation ends its own wait, never a run. A run uses the delegate of the caller that started it (or, for a
/// next run, of its first caller).
/// </para>
/// </remarks>
internal sealed class SingleFlight<TKey, TResult>(IEqualityComparer<TKey>? comparer = null)
    where TKey : notnull
{
    private readonly Lock _gate = new();
    private readonly Dictionary<TKey, Slot> _slots = new(comparer);

    /// <summary>The result of a run of <paramref name="key"/> that starts now or, if one is under way, right after it.</summary>
    public Task<TResult> RunAsync(TKey key, Func<TKey, Task<TResult>> run, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource<TResult>? start = null;
        Task<TResult>? result = null;
        lock (_gate)
        {
            if (!_slots.TryGetValue(key, out var slot))
            {
                start = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
                _slots[key] = new Slot();
            }
            else
            {
                if (slot.Next is null)
                {
                    slot.Next = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
                    slot.NextRun = run;
                }

                result = slot.Next.Task;
            }
        }

        return start is null
            ? result!.WaitAsync(cancellationToken)
            : RunStarterAsync(key, run, start).WaitAsync(cancellationToken);
    }

    /// <summary>The starter's run: its result comes back on the thread that finished the work, with no hop.</summary>
    private async Task<TResult> RunStarterAsync(TKey key, Func<TKey, Task<TResult>> run, TaskCompletionSource<TResult> shared)
    {
        var (result, failure, next, nextRun) = await RunOnceAsync(key, run, shared);
        if (next is not null)
        {
            _ = RunNextAsync(key, nextRun!, next);
        }

        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        return result!;
    }

    /// <summary>Runs the next runs one after another, for as long as callers keep arriving during each.</summary>
    /// <remarks>Never throws: a failure goes to that run's callers.</remarks>
    private async Task RunNextAsync(TKey key, Func<TKey, Task<TResult>> run, TaskCompletionSource<TResult> shared)
    {
        while (true)
        {
            var (_, _, next, nextRun) = await RunOnceAsync(key, run, shared);
            if (next is null)
            {
                return;
            }

            (run, shared) = (nextRun!, next);
        }
    }

    /// <summary>
    /// Runs once for everyone who waits on <paramref name="shared"/>; returns the outcome and the next run to start,
    /// if anyone asked for one meanwhile. The key moves on (to that next run, or free) before anyone sees the outcome.
    /// </summary>
    private async Task<(TResult? Result, Exception? Failure, TaskCompletionSource<TResult>? Next, Func<TKey, Task<TResult>>? NextRun)> RunOnceAsync(
        TKey key, Func<TKey, Task<TResult>> run, TaskCompletionSource<TResult> shared)
    {
        Exception? failure = null;
        var result = default(TResult);
        try
        {
            result = await run(key);
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        TaskCompletionSource<TResult>? next;
        Func<TKey, Task<TResult>>? nextRun;
        lock (_gate)
        {
            var slot = _slots[key];
            (next, nextRun) = (slot.Next, slot.NextRun);
            (slot.Next, slot.NextRun) = (null, null);
            if (next is null)
            {
                _slots.Remove(key);
            }
        }

        if (failure is null)
        {
            shared.SetResult(result!);
        }
        else
        {
            shared.SetException(failure);
            // Marked observed: the starter rethrows it itself, and callers that gave up must not leave it unobserved.
            _ = shared.Task.Exception;
        }

        return (result, failure, next, nextRun);
    }

    /// <summary>A key with a run under way: the callers waiting for the run after it, if any.</summary>
    private sealed class Slot
    {
        public TaskCompletionSource<TResult>? Next;
        public Func<TKey, Task<TResult>>? NextRun;
    }
}
